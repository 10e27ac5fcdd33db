package js

import (
	"sync"
	"sync/atomic"

	"github.com/scriptrun/scriptrun/third_party/goja"
	"github.com/scriptrun/scriptrun/third_party/goja/ast"
	"github.com/scriptrun/scriptrun/third_party/goja/file"
	"github.com/scriptrun/scriptrun/third_party/goja/parser"

	"github.com/scriptrun/scriptrun/engine"
)

// Backend runs JavaScript on goja. One Backend serves any number of
// concurrent runs; it keeps only a small pool of fresh, locked-down runtimes
// made ahead of time (never one that has run a script). The zero value works
// without the pool.
type Backend struct {
	pool    chan *run
	filling atomic.Bool
	mu      sync.Mutex // orders Close against starting a refill
	closed  atomic.Bool
	wg      sync.WaitGroup // the refill goroutine
}

var _ engine.Backend = (*Backend)(nil)

// poolSize is how many prepared runtimes wait for a run.
const poolSize = 4

// New returns the JavaScript backend.
func New() *Backend { return &Backend{pool: make(chan *run, poolSize)} }

// get returns a fresh prepared runtime, from the pool when one is ready.
func (b *Backend) get() (*run, error) {
	select {
	case r := <-b.pool:
		b.refill()
		return r, nil
	default:
		b.refill()
		return prepare()
	}
}

// refill tops the pool up in the background; the goroutine ends when the
// pool is full.
func (b *Backend) refill() {
	if b.pool == nil || !b.filling.CompareAndSwap(false, true) {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed.Load() {
		b.filling.Store(false)
		return
	}
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		defer b.filling.Store(false)
		for len(b.pool) < cap(b.pool) && !b.closed.Load() {
			r, err := prepare()
			if err != nil {
				return
			}
			select {
			case b.pool <- r:
			default:
				return
			}
		}
	}()
}

// Close stops refilling the pool, waits for the refill goroutine and drops
// the prepared runtimes. Runs still going on finish; later runs prepare their
// runtime on the spot.
func (b *Backend) Close() error {
	b.mu.Lock()
	b.closed.Store(true)
	b.mu.Unlock()
	b.wg.Wait()
	for b.pool != nil {
		select {
		case <-b.pool:
			continue
		default:
		}
		break
	}
	return nil
}

// Lang returns "js".
func (*Backend) Lang() string { return "js" }

// program is a compiled script: immutable, shared by every run.
type program struct {
	name   string
	prog   *goja.Program
	prefix int // bytes of wrapper before the script on line 1
}

// Compile parses, checks and compiles src. goja's parser bounds the
// nesting (lim.MaxNesting levels: a syntax error instead of a Go stack
// overflow) and its compiler bounds expression chains.
func (b *Backend) Compile(src engine.Source, lim engine.CompileLimits) (engine.Program, error) {
	prg, prefix, err := parse(src, lim.MaxNesting)
	if err != nil {
		return nil, err
	}
	p, cerr := goja.CompileAST(prg, false)
	if cerr != nil {
		return nil, compileError(src.Name, prefix, cerr)
	}
	return &program{name: src.Name, prog: p, prefix: prefix}, nil
}

// parse wraps the script as a function body (an async one only when the
// script needs top-level await), parses it and checks what it refuses.
func parse(src engine.Source, maxNesting int) (*ast.Program, int, error) {
	prg, err := parseWrapped(src, wrapPrefix, maxNesting)
	prefix := len(wrapPrefix)
	if err != nil {
		aprg, aerr := parseWrapped(src, asyncWrapPrefix, maxNesting)
		if aerr != nil {
			return nil, 0, clampToScript(compileError(src.Name, prefix, err), src)
		}
		prg, prefix = aprg, len(asyncWrapPrefix)
	}
	fn := wrapperBody(prg)
	if fn == nil || int(fn.Body.RightBrace) != prefix+len(src.Code)+2 {
		pos := file.Idx(prefix + 1) // the script's start
		if fn != nil {
			pos = fn.Body.RightBrace
		}
		return nil, 0, posError(src.Name, prefix, prg.File, int(pos)-1,
			"unexpected '}': the script closes the function body it runs in")
	}
	if ref := refuse(prg); ref != nil {
		return nil, 0, posError(src.Name, prefix, prg.File, int(ref.idx)-1, ref.msg)
	}
	return prg, prefix, nil
}

// wrapperDepth is how many of the parser's nesting levels a script of one
// plain statement takes (the wrapper and the statement itself), so that
// lim.MaxNesting counts the script's own nesting: MaxNesting brackets pass,
// one more does not.
var wrapperDepth = func() int {
	for n := 1; ; n++ {
		if _, err := parser.ParseFile(nil, "", wrapPrefix+"1"+wrapSuffix, 0, parser.WithMaxDepth(n)); err == nil {
			return n
		}
	}
}()

// parseWrapped parses the wrapped script with the nesting bound.
func parseWrapped(src engine.Source, prefix string, maxNesting int) (*ast.Program, error) {
	if maxNesting > 0 {
		maxNesting += wrapperDepth
	}
	return parser.ParseFile(nil, src.Name, prefix+src.Code+wrapSuffix, 0, parser.WithDisableSourceMaps, parser.WithMaxDepth(maxNesting))
}
