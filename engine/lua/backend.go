package lua

import (
	"errors"
	"fmt"
	"strings"

	glua "github.com/scriptrun/scriptrun/third_party/gopher-lua"
	"github.com/scriptrun/scriptrun/third_party/gopher-lua/parse"

	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/engine/internal/srccheck"
	"github.com/scriptrun/scriptrun/loc"
)

// Backend runs Lua 5.1 on gopher-lua. It holds no per-run state; one Backend
// serves any number of concurrent runs. Each run gets a fresh *lua.LState
// that is never used again.
type Backend struct {
	pool *statePool
}

var _ engine.Backend = (*Backend)(nil)

// New returns the Lua backend.
func New() *Backend { return &Backend{pool: newStatePool(poolSize)} }

// Close stops refilling the pool of fresh states and drops them. Runs still
// going on finish.
func (b *Backend) Close() error {
	b.pool.close()
	return nil
}

// Lang returns "lua".
func (*Backend) Lang() string { return "lua" }

// program is a compiled chunk: immutable, shared by every run. A
// *lua.FunctionProto is never written to by the VM.
type program struct {
	name  string
	proto *glua.FunctionProto
}

// defaultNesting is the syntactic nesting allowed when the host sets none;
// compileLevels is how many compiler recursion levels one level of nesting
// allows (a left-associative chain a+b+c+... nests one level per operator in
// the compiler, a 64th of a level in the pre-scan).
const (
	defaultNesting = 256
	compileLevels  = 64
)

// Compile pre-scans src for nesting (gopher-lua's parser and compiler
// recurse), then parses and compiles it once.
func (b *Backend) Compile(src engine.Source, lim engine.CompileLimits) (p engine.Program, err error) {
	defer func() {
		if rec := recover(); rec != nil {
			p, err = nil, &engine.Error{Kind: engine.KindCompile, Pos: loc.Pos{File: src.Name},
				Message: "cannot compile the script", Err: fmt.Errorf("panic: %v", rec)}
		}
	}()
	if lim.MaxSource > 0 && int64(len(src.Code)) > lim.MaxSource {
		return nil, &engine.Error{Kind: engine.KindLimit, Limit: "source", Pos: loc.Pos{File: src.Name},
			Message: fmt.Sprintf("source is %d bytes, over the limit of %d", len(src.Code), lim.MaxSource)}
	}
	if strings.HasPrefix(src.Code, "\x1b") {
		return nil, &engine.Error{Kind: engine.KindCompile, Pos: loc.Pos{File: src.Name, Line: 1},
			Message: "binary chunks are not accepted; pass Lua source"}
	}
	depth := lim.MaxNesting
	if depth <= 0 {
		depth = defaultNesting
	}
	// The pre-scan is a cheap first filter (a million-term chain would
	// take seconds to parse before the compiler refused it); the parser
	// and compiler bound their own nesting.
	if lim.MaxNesting > 0 {
		if err := srccheck.Lua(src.Code, lim.MaxNesting); err != nil {
			var se *srccheck.Error
			if errors.As(err, &se) {
				return nil, &engine.Error{Kind: engine.KindCompile, Message: se.Msg,
					Pos: loc.Pos{File: src.Name, Line: se.Line, Col: se.Col}, Err: err}
			}
			return nil, &engine.Error{Kind: engine.KindCompile, Message: "source nesting is too deep", Pos: loc.Pos{File: src.Name}, Err: err}
		}
	}
	chunk, perr := parse.ParseLimited(strings.NewReader(src.Code), src.Name, depth)
	if perr != nil {
		return nil, compileError(src, perr)
	}
	proto, cerr := glua.CompileLimited(chunk, src.Name, compileLevels*depth)
	if cerr != nil {
		return nil, compileError(src, cerr)
	}
	return &program{name: src.Name, proto: proto}, nil
}
