package lua_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/loc"
)

// An error raised in a coroutine after a resume, raised again by its
// resumer (coroutine.wrap, or error(e, 0)) and not caught, keeps the
// coroutine's position, with the coroutine's frames on top of the
// resumer's.
func TestErrorAfterResume(t *testing.T) {
	h := newHost(t)
	f := func(line int, fn string) loc.Frame {
		return loc.Frame{Func: fn, Pos: loc.Pos{File: "t.lua", Line: line}}
	}
	for _, tt := range []struct {
		src   string
		kind  engine.Kind
		msg   string
		stack []loc.Frame
	}{
		{"local co = coroutine.wrap(function()\n  coroutine.yield()\n  error('late')\nend)\nco()\nco()",
			engine.KindRuntime, "late", []loc.Frame{f(3, "coroutine"), f(6, "main chunk")}},
		{"local co = coroutine.create(function()\n  coroutine.yield()\n  local x = nil\n  return x.y\nend)\ncoroutine.resume(co)\nlocal ok, e = coroutine.resume(co)\nerror(e, 0)",
			engine.KindRuntime, "attempt to index a non-table object(nil) with key 'y'", []loc.Frame{f(4, "coroutine"), f(8, "main chunk")}},
		{"local function g()\n  error({code = 1})\nend\nlocal co = coroutine.wrap(function()\n  coroutine.yield()\n  g()\nend)\nco()\nco()",
			engine.KindRuntime, `{"code":1}`, []loc.Frame{f(2, "g"), f(6, "coroutine"), f(9, "main chunk")}},
		{"local co = coroutine.wrap(function()\n  coroutine.yield()\n  host.t.fail()\nend)\nco()\nco()",
			engine.KindHost, "t.fail: nope", []loc.Frame{f(3, "coroutine"), f(6, "main chunk")}},
	} {
		_, err := run(t, h, tt.src, engine.RunOptions{Policy: allowAll(t, true)})
		var e *engine.Error
		if !errors.As(err, &e) || e.Kind != tt.kind || e.Message != tt.msg {
			t.Errorf("%q: got %v, want a %s error %q", tt.src, err, tt.kind, tt.msg)
			continue
		}
		if diff := cmp.Diff(tt.stack, e.Stack); diff != "" || e.Pos != tt.stack[0].Pos {
			t.Errorf("%q: pos %v, stack (-want +got):\n%s", tt.src, e.Pos, diff)
		}
	}
}
