package js_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/limits"
)

// A thrown value that is not an Error is described as JSON of its own
// enumerable data properties, without running script code (no getters,
// toJSON or proxy traps) and within a bounded size.
func TestThrownValueJSON(t *testing.T) {
	t.Parallel()
	h := newHost(t)
	for _, tt := range []struct{ src, want string }{
		{`throw {code: 42}`, `uncaught {"code":42}`},
		{`throw [1, "a\n", null, undefined, () => 1, {b: true}]`, `uncaught [1,"a\n",null,null,null,{"b":true}]`},
		{`throw {s: Symbol("x"), u: undefined, f() {}, n: NaN, big: 1e21, e: new RangeError("r"), d: new Date(0)}`,
			`uncaught {"n":null,"big":1e+21,"e":"RangeError: r","d":"[object Date]"}`},
		{`throw {get g() { globalThis.ran = 1; return 1 }, toJSON() { globalThis.ran = 1 }, p: new Proxy({}, {ownKeys() { globalThis.ran = 1; return [] }})}`,
			`uncaught {"p":"[object Proxy]"}`},
		{`throw new Proxy({}, {})`, `uncaught [object Proxy]`},
		{`let o = {}; o.self = o; throw o`, `uncaught {"self":{"self":{"self":{"self":{"self":{"self":{"self":{"self":"[object Object]"}}}}}}}}`},
		{`throw "plain"`, `uncaught plain`},
		{`throw 7`, `uncaught 7`},
		{`throw new TypeError("t")`, `uncaught TypeError: t`},
		{`throw function f() {}`, `uncaught [object Function]`},
		{`async function f() { await null; throw {late: 1} }; return f()`, `uncaught {"late":1}`},
	} {
		_, err := run(t, h, tt.src, engine.RunOptions{})
		var e *engine.Error
		if !errors.As(err, &e) || e.Kind != engine.KindRuntime || e.Message != tt.want {
			t.Errorf("%s: got %v, want runtime error %q", tt.src, err, tt.want)
		}
	}
	// Big values are cut: a million keys, a huge sparse array, a long string.
	for _, src := range []string{
		`const o = {}; for (let i = 0; i < 200000; i++) o["k" + i] = i; throw o`,
		`const a = []; a.length = 4294967295; throw a`,
		`throw {s: "é".repeat(100000)}`,
	} {
		// Budgets large enough that building the value never decides the
		// outcome (under -race 200,000 keys took over the 1 s CPU default).
		opts := engine.RunOptions{Budget: limits.Budget{CPU: time.Minute, Timeout: time.Minute, Memory: 1 << 30}}
		_, err := run(t, h, src, opts)
		var e *engine.Error
		if !errors.As(err, &e) || !strings.HasSuffix(e.Message, "...") || len(e.Message) > 1100 {
			t.Errorf("%s: got %d bytes %.80q..., want at most 1100 ending in ...", src, len(e.Message), err)
		}
	}
}
