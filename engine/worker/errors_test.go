//go:build linux

package worker_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/scriptrun/scriptrun/bridge"
	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/engine/js"
	"github.com/scriptrun/scriptrun/engine/lua"
	"github.com/scriptrun/scriptrun/limits"
	"github.com/scriptrun/scriptrun/loc"
)

// TestErrorsCrossTheWire runs failing scripts in-process and in a worker
// and compares the errors field by field: a position and each frame of the
// stack (tail-call and "more frames" markers included) cross the wire as
// their fields and come back equal, as do kind, limit, capability, rule and
// message.
func TestErrorsCrossTheWire(t *testing.T) {
	inproc, err := engine.NewHost(engine.Config{Backends: []engine.Backend{js.New(), lua.New()},
		Modules: []*bridge.Module{echoModule()}})
	if err != nil {
		t.Fatal(err)
	}
	defer inproc.Close()
	proc := newHost(t, engine.WorkerConfig{Size: 1})
	budget := limits.Budget{Steps: 100000}
	tests := []struct {
		name, lang, code string
		pos              loc.Pos // the position in-process, as a check that the case says something
	}{
		{"js stack", "js", "function f() {\n  throw new Error('boom')\n}\nf()", loc.Pos{File: "t.js", Line: 2, Col: 9}},
		{"js deep", "js", "function r(n) { return r(n+1) }\nr(0)", loc.Pos{File: "t.js", Line: 1, Col: 25}},
		{"js steps", "js", "let i = 0\nwhile (true) { i++ }", loc.Pos{File: "t.js", Line: 2, Col: 16}},
		{"js denied", "js", "\nreturn host.t.echo(1)", loc.Pos{File: "t.js", Line: 2, Col: 19}},
		{"js output", "js", "return function(){}", loc.Pos{File: "t.js"}},
		{"lua stack", "lua", "local function inner()\n  error('x')\nend\nlocal function outer()\n  inner()\nend\nouter()", loc.Pos{File: "t.lua", Line: 2}},
		{"lua tail call", "lua", "local function helper(x)\n  error('bad ' .. x)\nend\nreturn helper(1)", loc.Pos{File: "t.lua", Line: 2}},
		{"lua deep", "lua", "local function r(n) return 1 + r(n+1) end\nreturn r(0)", loc.Pos{File: "t.lua", Line: 1}},
		{"lua output", "lua", "return print", loc.Pos{File: "t.lua"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := engine.Source{Name: "t." + tt.lang, Lang: tt.lang, Code: tt.code}
			run := func(h *engine.Host) *engine.Error {
				s, err := h.Compile(src)
				if err != nil {
					t.Fatalf("compile: %v", err)
				}
				_, err = h.Run(context.Background(), s, engine.RunOptions{Budget: budget})
				var e *engine.Error
				if !errors.As(err, &e) {
					t.Fatalf("got %v, want an *engine.Error", err)
				}
				return e
			}
			want, got := run(inproc), run(proc.Host)
			if want.Pos != tt.pos || len(want.Stack) == 0 && want.Kind != engine.KindOutput {
				t.Fatalf("in-process: pos %v, stack %q; want pos %v and a stack", want.Pos, loc.Strings(want.Stack), tt.pos)
			}
			if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(engine.Error{}, "Err")); diff != "" {
				t.Errorf("in a worker (-in-process +worker):\n%s", diff)
			}
		})
	}
}
