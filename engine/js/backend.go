package js

import (
	"strings"

	"github.com/scriptrun/scriptrun/third_party/goja"
	"github.com/scriptrun/scriptrun/third_party/goja/ast"
	"github.com/scriptrun/scriptrun/third_party/goja/file"
	"github.com/scriptrun/scriptrun/third_party/goja/parser"

	"github.com/scriptrun/scriptrun/engine"
)

// Backend runs JavaScript on goja. One Backend serves any number of
// concurrent runs; each run gets a fresh runtime (see prepare), which costs
// a couple of microseconds, so no runtime is ever made ahead of time or
// reused. The zero value is ready to use.
type Backend struct{}

var _ engine.Backend = (*Backend)(nil)

// New returns the JavaScript backend.
func New() *Backend { return &Backend{} }

// Lang returns "js".
func (*Backend) Lang() string { return "js" }

// program is a compiled script: immutable, shared by every run.
type program struct {
	name   string
	prog   *goja.Program
	prefix int // bytes of wrapper before the script on line 1
	lines  int // lines of the script
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
	return &program{name: src.Name, prog: p, prefix: prefix, lines: 1 + strings.Count(src.Code, "\n")}, nil
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
