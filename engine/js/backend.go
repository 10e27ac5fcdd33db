package js

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/scriptrun/scriptrun/third_party/goja"
	"github.com/scriptrun/scriptrun/third_party/goja/ast"
	"github.com/scriptrun/scriptrun/third_party/goja/file"
	"github.com/scriptrun/scriptrun/third_party/goja/parser"

	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/engine/internal/srccheck"
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

// Compile pre-scans, parses, checks and compiles src.
func (b *Backend) Compile(src engine.Source, lim engine.CompileLimits) (engine.Program, error) {
	if lim.MaxNesting > 0 {
		if err := srccheck.JS(src.Code, lim.MaxNesting); err != nil {
			var se *srccheck.Error
			if errors.As(err, &se) {
				return nil, &engine.Error{Kind: engine.KindCompile, Message: se.Msg,
					Pos: fmt.Sprintf("%s:%d:%d", src.Name, se.Line, se.Col), Err: err}
			}
			return nil, &engine.Error{Kind: engine.KindCompile, Message: err.Error(), Pos: src.Name, Err: err}
		}
	}
	prg, prefix, err := parse(src)
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
func parse(src engine.Source) (*ast.Program, int, error) {
	prg, err := parseWrapped(src, wrapPrefix)
	prefix := len(wrapPrefix)
	if err != nil {
		aprg, aerr := parseWrapped(src, asyncWrapPrefix)
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

func parseWrapped(src engine.Source, prefix string) (*ast.Program, error) {
	return parser.ParseFile(nil, src.Name, prefix+src.Code+wrapSuffix, 0, parser.WithDisableSourceMaps)
}

// clampToScript moves a syntax error that goja found in the wrapper after
// the script (an unclosed bracket or string) to the end of the script.
func clampToScript(err error, src engine.Source) error {
	e, ok := err.(*engine.Error)
	if !ok {
		return err
	}
	var line, col int
	if _, scanErr := fmt.Sscanf(e.Pos[len(src.Name):], ":%d:%d", &line, &col); scanErr != nil {
		return err
	}
	lines := strings.Split(src.Code, "\n")
	lastLen := len([]rune(lines[len(lines)-1]))
	if line > len(lines) || line == len(lines) && col > lastLen+1 {
		e.Pos = fmt.Sprintf("%s:%d:%d", src.Name, len(lines), lastLen+1)
		e.Message = "unexpected end of script (" + e.Message + "; is a bracket, brace or string left open?)"
	}
	return e
}

// compileError translates a parser or compiler error.
func compileError(name string, prefix int, err error) error {
	var list parser.ErrorList
	var one *parser.Error
	var ce *goja.CompilerSyntaxError
	var re *goja.CompilerReferenceError
	switch {
	case errors.As(err, &list) && len(list) > 0:
		e := list[0]
		return &engine.Error{Kind: engine.KindCompile, Message: e.Message,
			Pos: fmtPos(name, prefix, e.Position.Line, e.Position.Column), Err: err}
	case errors.As(err, &one):
		return &engine.Error{Kind: engine.KindCompile, Message: one.Message,
			Pos: fmtPos(name, prefix, one.Position.Line, one.Position.Column), Err: err}
	case errors.As(err, &ce):
		return posError(name, prefix, ce.File, ce.Offset, ce.Message)
	case errors.As(err, &re):
		return posError(name, prefix, re.File, re.Offset, re.Message)
	}
	return &engine.Error{Kind: engine.KindCompile, Message: "cannot compile the script", Pos: name, Err: err}
}

func posError(name string, prefix int, f *file.File, offset int, msg string) error {
	e := &engine.Error{Kind: engine.KindCompile, Message: msg, Pos: name}
	if f != nil && offset >= 0 {
		p := f.Position(offset)
		e.Pos = fmtPos(name, prefix, p.Line, p.Column)
	}
	return e
}

// fmtPos formats a position in the wrapped source as one in the script.
func fmtPos(name string, prefix, line, col int) string {
	if line == 1 {
		col -= prefix
		if col < 1 {
			col = 1
		}
	}
	return fmt.Sprintf("%s:%d:%d", name, line, col)
}
