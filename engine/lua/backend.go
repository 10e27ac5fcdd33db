package lua

import (
	"errors"
	"fmt"
	"strings"

	glua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"

	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/engine/internal/srccheck"
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

// Compile pre-scans src for nesting (gopher-lua's parser and compiler
// recurse), then parses and compiles it once.
func (b *Backend) Compile(src engine.Source, lim engine.CompileLimits) (p engine.Program, err error) {
	defer func() {
		if rec := recover(); rec != nil {
			p, err = nil, &engine.Error{Kind: engine.KindCompile, Pos: src.Name,
				Message: "cannot compile the script", Err: fmt.Errorf("panic: %v", rec)}
		}
	}()
	if lim.MaxSource > 0 && int64(len(src.Code)) > lim.MaxSource {
		return nil, &engine.Error{Kind: engine.KindLimit, Limit: "source", Pos: src.Name,
			Message: fmt.Sprintf("source is %d bytes, over the limit of %d", len(src.Code), lim.MaxSource)}
	}
	if strings.HasPrefix(src.Code, "\x1b") {
		return nil, &engine.Error{Kind: engine.KindCompile, Pos: src.Name + ":1",
			Message: "binary chunks are not accepted; pass Lua source"}
	}
	if lim.MaxNesting > 0 {
		if err := srccheck.Lua(src.Code, lim.MaxNesting); err != nil {
			var se *srccheck.Error
			if errors.As(err, &se) {
				return nil, &engine.Error{Kind: engine.KindCompile, Message: se.Msg,
					Pos: fmt.Sprintf("%s:%d:%d", src.Name, se.Line, se.Col), Err: err}
			}
			return nil, &engine.Error{Kind: engine.KindCompile, Message: "source nesting is too deep", Pos: src.Name, Err: err}
		}
	}
	chunk, perr := parse.Parse(strings.NewReader(src.Code), src.Name)
	if perr != nil {
		return nil, compileError(src.Name, perr)
	}
	proto, cerr := glua.Compile(chunk, src.Name)
	if cerr != nil {
		return nil, compileError(src.Name, cerr)
	}
	return &program{name: src.Name, proto: proto}, nil
}
