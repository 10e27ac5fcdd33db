package js_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/loc"
)

// An error thrown after an await keeps the position and the script stack
// of where it was thrown, whatever was thrown and however it went up.
func TestErrorAfterAwait(t *testing.T) {
	h := newHost(t)
	pol := mustPolicy(t, testPolicy+"catchableDenials: true\n")
	f := func(line, col int, fn string) loc.Frame {
		return loc.Frame{Func: fn, Pos: loc.Pos{File: "t.js", Line: line, Col: col}}
	}
	for _, tt := range []struct {
		src   string
		kind  engine.Kind
		stack []loc.Frame
	}{
		{"async function f() {\n  await null\n  throw new Error('x')\n}\nawait f()", engine.KindRuntime,
			[]loc.Frame{f(3, 9, "f"), f(5, 8, "<anonymous>")}},
		{"async function f() {\n  await null\n  throw {code: 1}\n}\nawait f()", engine.KindRuntime,
			[]loc.Frame{f(3, 3, "f"), f(5, 8, "<anonymous>")}},
		{"async function f() {\n  await null\n  throw 'x'\n}\nasync function g() {\n  await f()\n}\nreturn g()", engine.KindRuntime,
			[]loc.Frame{f(3, 3, "f"), f(6, 10, "g")}},
		{"async function f() {\n  await null\n  host.t.fail()\n}\nawait f()", engine.KindHost,
			[]loc.Frame{f(3, 14, "f"), f(5, 8, "<anonymous>")}},
		{"async function f() {\n  await null\n  host.t.secret()\n}\nawait f()", engine.KindDenied,
			[]loc.Frame{f(3, 16, "f"), f(5, 8, "<anonymous>")}},
		{"await null\nPromise.resolve().then(() => {\n  throw {late: 1}\n}).then(() => 1)\nawait null\nawait null\nthrow 1", engine.KindRuntime,
			[]loc.Frame{f(7, 1, "<anonymous>")}},
	} {
		_, err := run(t, h, tt.src, engine.RunOptions{Policy: pol})
		var e *engine.Error
		if !errors.As(err, &e) || e.Kind != tt.kind {
			t.Errorf("%q: got %v, want a %s error", tt.src, err, tt.kind)
			continue
		}
		if diff := cmp.Diff(tt.stack, e.Stack); diff != "" || e.Pos != tt.stack[0].Pos {
			t.Errorf("%q: pos %v, stack (-want +got):\n%s", tt.src, e.Pos, diff)
		}
	}
}
