package js_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/scriptrun/scriptrun/bridge"
	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/engine/js"
	"github.com/scriptrun/scriptrun/limits"
	"github.com/scriptrun/scriptrun/loc"
	"github.com/scriptrun/scriptrun/policy"
)

// testModule is a host module for tests: echo returns its argument, boom
// panics, fail returns an error, wait blocks until the run's deadline.
func testModule(calls *sync.Map) *bridge.Module {
	return &bridge.Module{Name: "t", Funcs: []*bridge.Func{
		{Name: "echo", Params: []bridge.Param{{Name: "value", Type: bridge.Any, Optional: true}},
			Impl: func(ctx context.Context, a bridge.Args) (any, error) { return a["value"], nil }},
		{Name: "boom", Impl: func(ctx context.Context, a bridge.Args) (any, error) { panic("host bug at /secret/path.go") }},
		{Name: "fail", Impl: func(ctx context.Context, a bridge.Args) (any, error) {
			return nil, errors.New("dial tcp 10.0.0.1: refused")
		}},
		{Name: "secret", Params: []bridge.Param{{Name: "a", Optional: true}, {Name: "b", Optional: true}, {Name: "c", Optional: true}}, Impl: func(ctx context.Context, a bridge.Args) (any, error) {
			if calls != nil {
				v, _ := calls.LoadOrStore("secret", new(int))
				*v.(*int)++
			}
			return "s3cret", nil
		}},
		{Name: "wait", Impl: func(ctx context.Context, a bridge.Args) (any, error) {
			<-ctx.Done()
			return nil, ctx.Err()
		}},
		{Name: "typed", Params: []bridge.Param{{Name: "key", Type: bridge.String}, {Name: "n", Type: bridge.Int, Optional: true}},
			Impl: func(ctx context.Context, a bridge.Args) (any, error) { return a.String("key"), nil }},
	}}
}

const testPolicy = `
name: test
rules:
  - name: t-all
    allow: ["t.*"]
  - name: no-secret
    deny: [t.secret]
    message: "'secrets are off limits'"
  - name: broken
    deny: [t.typed]
    when: args.key == "x" && args.missing == 1
`

func newHost(t testing.TB, mods ...*bridge.Module) *engine.Host {
	t.Helper()
	if mods == nil {
		mods = []*bridge.Module{testModule(nil)}
	}
	h, err := engine.NewHost(engine.Config{Backends: []engine.Backend{js.New()}, Modules: mods})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func mustPolicy(t testing.TB, src string) *policy.Policy {
	t.Helper()
	p, err := policy.Parse("policy.yaml", []byte(src), policy.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func run(t testing.TB, h *engine.Host, src string, opts engine.RunOptions) (*engine.Result, error) {
	t.Helper()
	s, err := h.Compile(engine.Source{Name: "t.js", Lang: "js", Code: src})
	if err != nil {
		return nil, err
	}
	return h.Run(context.Background(), s, opts)
}

func kindOf(err error) (engine.Kind, string) {
	var e *engine.Error
	if errors.As(err, &e) {
		return e.Kind, e.Limit
	}
	return "", ""
}

func TestResults(t *testing.T) {
	h := newHost(t)
	for _, tc := range []struct {
		src  string
		want any
	}{
		{"return 1+1", int64(2)},
		{"return input.a * 2", int64(42)},
		{"return 0.5", 0.5},
		{"return -0", int64(0)},
		{"return 2**53", int64(1) << 53},
		{"return 2**60", float64(1 << 60)},
		{"return 'héllo'", "héllo"},
		{"return null", nil},
		{"return undefined", nil},
		{"", nil},
		{"return [1, 'a', true, null, undefined]", []any{int64(1), "a", true, nil, nil}},
		{"return {a: 1, b: undefined, c: {d: []}}", map[string]any{"a": int64(1), "c": map[string]any{"d": []any{}}}},
		{"return await Promise.resolve(5)", int64(5)},
		{"return Promise.resolve(6)", int64(6)},
		{"return (async () => 7)()", int64(7)},
		{"return new Uint8Array([1,2,3])", []byte{1, 2, 3}},
		{"return host.t.echo({x: [1, 2.5]})", map[string]any{"x": []any{int64(1), 2.5}}},
		{"return host.t.echo()", nil},
		{"return Object.keys(host)", []any{"t"}},
		// host and console are made lazily; what a script sees is the same.
		{"return [Object.keys(host.t), Object.keys(console)]", []any{
			[]any{"echo", "boom", "fail", "secret", "wait", "typed"}, []any{"log", "info", "warn", "error", "debug"}}},
		{"const d = o => Object.entries(Object.getOwnPropertyDescriptors(o)).map(([k, v]) => k + ':' + typeof v.value + v.writable + v.enumerable + v.configurable).join(); return [d(host), d(host.t), d(console), d(globalThis).split(',').filter(s => /^(host|console|input):/.test(s)).join()]",
			[]any{"t:objectfalsetruefalse",
				"echo:functionfalsetruefalse,boom:functionfalsetruefalse,fail:functionfalsetruefalse,secret:functionfalsetruefalse,wait:functionfalsetruefalse,typed:functionfalsetruefalse",
				"log:functionfalsetruefalse,info:functionfalsetruefalse,warn:functionfalsetruefalse,error:functionfalsetruefalse,debug:functionfalsetruefalse",
				"input:objectfalsetruefalse,host:objectfalsetruefalse,console:objectfalsetruefalse"}},
		{"return [host.t.echo.name, console.log.name, host.t.echo === host.t.echo, Object.getPrototypeOf(host.t) === Object.prototype, Object.isFrozen(host.t), JSON.stringify(host)]",
			[]any{"echo", "log", true, true, false, `{"t":{}}`}},
		{"input.a = 1; return input.a", int64(1)},
		{"let s = 0; for (let i = 0; i < 100; i++) s += i; return s", int64(4950)},
		// Function and eval are refusing stubs (TestNoCodeGeneration): code
		// that only names them works.
		{"return typeof require + typeof setTimeout + typeof eval + typeof Function", "undefinedundefinedfunctionfunction"},
		{"const has = Function.prototype.call.bind(Object.prototype.hasOwnProperty); return [has({a: 1}, 'a'), Function.prototype === Object.getPrototypeOf(function(){}), (function(){}).constructor === Function, Function.name, Function.length, function(){} instanceof Function]",
			[]any{true, true, true, "Function", int64(1), true}},
	} {
		res, err := run(t, h, tc.src, engine.RunOptions{Input: map[string]any{"a": int64(21)}, Policy: mustPolicy(t, testPolicy)})
		if err != nil {
			t.Errorf("%q: %v", tc.src, err)
			continue
		}
		if diff := cmp.Diff(tc.want, res.Value); diff != "" {
			t.Errorf("%q: result (-want +got):\n%s", tc.src, diff)
		}
	}
}

// Infinite loops in many forms all end with the steps limit, whatever the
// script does to catch or delay the interrupt.
func TestInfiniteLoops(t *testing.T) {
	h := newHost(t)
	for _, src := range []string{
		"while (true) {}",
		"for (;;) {}",
		"do {} while (true)",
		"a: while (true) { continue a }",
		"for (const x of (function*(){ while (true) yield 1 })()) {}",
		"const o = {}; for (let i = 0; i < 1e6; i++) o['k' + i] = i; for (;;) for (const k in o) {}",
		"while (true) { try { while (true) {} } catch (e) {} }",
		"try { while (true) {} } catch (e) { return 'caught' } finally { return 'finally' }",
		"try { while (true) {} } finally { while (true) {} }",
		"for (;;) { try { for (;;) {} } finally { continue } }",
		"Promise.resolve().then(() => { while (true) {} }); return 1",
		"(async () => { for (;;) await null })(); return 1",
		"Promise.resolve().then(function f() { return Promise.resolve().then(f) }); return 1",
		"const p = new Promise(() => {}); (async () => { try { for (;;) {} } finally { for (;;) {} } })(); return 1",
		"[3, 2, 1].sort(() => { while (true) {} })",
		"[1].map(() => { for (;;) {} })",
		"({ get x() { for (;;) {} } }).x",
		"return { get x() { for (;;) {} } }",
		"new Proxy({}, { get() { for (;;) {} } }).x",
		"JSON.stringify({ toJSON() { for (;;) {} } })",
		"'abc'.replace(/b/, () => { for (;;) {} })",
		"const f = () => f2(); const f2 = () => { for(;;){} }; f()",
		"function* g() { for (;;) yield } for (const _ of g()) {}",
		"class A { constructor() { for (;;) {} } } new A()",
		"class A { static { for (;;) {} } }",
		"Array.from({ length: 100 }, () => { for (;;) {} })",
	} {
		res, err := run(t, h, src, engine.RunOptions{Budget: limits.Budget{Steps: 20000, Timeout: 20 * time.Second, CPU: 20 * time.Second}})
		kind, lim := kindOf(err)
		if kind != engine.KindLimit || lim != limits.Steps {
			t.Errorf("%q: got %v (kind %q limit %q), want limit steps", src, err, kind, lim)
			continue
		}
		if res.Usage.Steps < 20000 {
			t.Errorf("%q: usage steps %d, want >= 20000", src, res.Usage.Steps)
		}
	}
}

func TestTimeoutAndCancel(t *testing.T) {
	h := newHost(t)
	s, err := h.Compile(engine.Source{Name: "t.js", Lang: "js", Code: "while (true) {}"})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = h.Run(context.Background(), s, engine.RunOptions{Budget: limits.Budget{Steps: 1 << 50, Timeout: 50 * time.Millisecond, CPU: time.Hour}})
	if k, l := kindOf(err); k != engine.KindLimit || l != limits.Timeout {
		t.Fatalf("got %v, want limit timeout", err)
	}
	// The 50ms budget, not the test's own deadline, ended the run.
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("timeout took %v", d)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(30*time.Millisecond, cancel)
	_, err = h.Run(ctx, s, engine.RunOptions{Budget: limits.Budget{Steps: 1 << 50, Timeout: time.Hour, CPU: time.Hour}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	// A host call that blocks is stopped by the run's deadline.
	h2 := newHost(t)
	s2, _ := h2.Compile(engine.Source{Name: "t.js", Lang: "js", Code: "try { host.t.wait() } catch (e) {} while (true) {}"})
	_, err = h2.Run(context.Background(), s2, engine.RunOptions{Policy: mustPolicy(t, testPolicy), Budget: limits.Budget{Steps: 1 << 50, Timeout: 50 * time.Millisecond}})
	if k, l := kindOf(err); k != engine.KindLimit || l != limits.Timeout {
		t.Fatalf("blocking host call: got %v, want limit timeout", err)
	}
}

func TestCPUBudget(t *testing.T) {
	h := newHost(t)
	_, err := run(t, h, "while (true) {}", engine.RunOptions{Budget: limits.Budget{Steps: 1 << 50, Timeout: time.Hour, CPU: 30 * time.Millisecond}})
	if k, l := kindOf(err); k != engine.KindLimit || l != limits.CPU {
		t.Fatalf("got %v, want limit cpu", err)
	}
}

// Every route to code generation from strings is closed.
func TestNoCodeGeneration(t *testing.T) {
	h := newHost(t)
	for _, expr := range []string{
		"eval('1')",
		"globalThis.eval('1')",
		"Function('return 1')()",
		"globalThis.Function('return 1')()",
		"(function(){}).constructor('return 1')()",
		"(() => {}).constructor('return 1')()",
		"(function*(){}).constructor('yield 1')().next()",
		"(async function(){}).constructor('return 1')()",
		"(async () => {}).constructor('return 1')()",
		"(function(){}).bind(null).constructor('return 1')()",
		"Object.getPrototypeOf(function(){}).constructor('return 1')()",
		"Object.getPrototypeOf(Object.getPrototypeOf(function*(){})).constructor('return 1')()",
		"Object.getPrototypeOf(function*(){}).constructor('return 1')()",
		"Object.getPrototypeOf(async function(){}).constructor('return 1')()",
		"Reflect.construct((function(){}).constructor, ['return 1'])()",
		"Reflect.construct(Object.getPrototypeOf(async function(){}).constructor, ['return 1'])()",
		"new Proxy(function(){}, {}).constructor('return 1')()",
		"new Proxy({}, {}).constructor.constructor('return 1')()",
		"(class {}).constructor('return 1')()",
		"[].constructor.constructor('return 1')()",
		"''.constructor.constructor('return 1')()",
		"this.constructor.constructor('return 1')()",
		"Object.getOwnPropertyDescriptor(Function.prototype, 'constructor').value('return 1')()",
		"Reflect.get(Object.getPrototypeOf(() => {}), 'constructor')('return 1')()",
		"new (Object.getPrototypeOf(function(){}).constructor)('return 1')()",
		"Symbol.constructor('return 1')()",
		"host.t.echo.constructor('return 1')()",
		"console.log.constructor('return 1')()",
		"(function(){ return arguments.callee.constructor })()('return 1')()",
	} {
		src := "const r = " + expr + "; return 'escaped: ' + r"
		res, err := run(t, h, src, engine.RunOptions{})
		if err == nil {
			t.Errorf("%s: ran generated code: %v", expr, res.Value)
			continue
		}
		if k, _ := kindOf(err); k != engine.KindRuntime {
			t.Errorf("%s: got %v, want a runtime error", expr, err)
		}
	}
	// import() and async generators are compile errors or runtime errors, never code.
	for _, src := range []string{"return import('x')", "async function* g() {}"} {
		if res, err := run(t, h, src, engine.RunOptions{}); err == nil {
			t.Errorf("%s: got %v, want an error", src, res.Value)
		}
	}
}

func TestStackDepth(t *testing.T) {
	h := newHost(t)
	for _, src := range []string{
		"function f() { return f() } return f()",
		"function f() { try { return f() } catch (e) { return f() } } return f()",
		"function f() { try { return f() } finally { return f() } } return f()",
		"const o = { get x() { return this.x } }; return o.x",
		"const o = { toString() { return '' + o } }; return '' + o",
		"const p = new Proxy({}, { get(t, k, r) { return r[k] } }); return p.x",
		"function f() { [1].forEach(f) } f()",
		"function f() { return [2, 1].sort(() => f()) } f()",
		"const o = { toJSON() { return JSON.stringify(o) } }; JSON.stringify(o)",
		"function f() { return 'a'.replace(/a/, f) } f()",
	} {
		_, err := run(t, h, src, engine.RunOptions{})
		if k, l := kindOf(err); k != engine.KindLimit || l != limits.StackDepth {
			t.Errorf("%q: got %v, want limit stackDepth", src, err)
		}
	}
}

func TestHostErrors(t *testing.T) {
	h := newHost(t)
	pol := mustPolicy(t, testPolicy)
	_, err := run(t, h, "host.t.boom()", engine.RunOptions{Policy: pol})
	var e *engine.Error
	if !errors.As(err, &e) || e.Kind != engine.KindHost || e.Capability != "t.boom" {
		t.Fatalf("panic: got %v, want host error for t.boom", err)
	}
	if strings.Contains(e.Message, "secret") || strings.Contains(e.Message, ".go") {
		t.Errorf("host panic leaks into message: %q", e.Message)
	}
	if want := (loc.Pos{File: "t.js", Line: 1, Col: 12}); e.Pos != want {
		t.Errorf("pos %v, want %v", e.Pos, want)
	}
	res, err := run(t, h, "try { host.t.boom() } catch (e) { return e.name + ': ' + e.message }", engine.RunOptions{Policy: pol})
	if err != nil || res.Value != "HostError: t.boom: host function failed" {
		t.Fatalf("caught panic: got %v, %v", res.Value, err)
	}
	_, err = run(t, h, "host.t.fail()", engine.RunOptions{Policy: pol})
	if !errors.As(err, &e) || e.Kind != engine.KindHost || strings.Contains(e.Message, "10.0.0.1") {
		t.Fatalf("fail: got %v", err)
	}
	// The host keeps serving after a panic.
	res, err = run(t, h, "return host.t.echo(1)", engine.RunOptions{Policy: pol})
	if err != nil || res.Value != int64(1) {
		t.Fatalf("after panic: %v %v", res.Value, err)
	}
	// Argument errors name the function and param, and are catchable.
	for src, want := range map[string]string{
		"host.t.typed(1)":                                    "t.typed: param key: want string, got int",
		"host.t.typed()":                                     "t.typed: param key: is required",
		"host.t.typed('a', 1.5)":                             "t.typed: param n: want int, got number (not a whole number)",
		"host.t.typed('a', 1, 2)":                            "t.typed: takes at most 2 arguments, got 3",
		"host.t.echo(() => 1)":                               "t.echo: param value: a function cannot cross to the host",
		"host.t.echo(Symbol('x'))":                           "t.echo: param value: a symbol cannot cross to the host",
		"const a = []; a.push(a); host.t.echo(a)":            "t.echo: param value: at $[0]: the value contains a cycle",
		"host.t.echo({ get x() { throw new Error('no') } })": "t.echo: param value: reading the value threw: Error: no",
		"let v = []; for (let i = 0; i < 100; i++) v = [v]; host.t.echo(v)": "t.echo: param value: at $[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]: nested deeper than 64 levels",
		"host.t.echo('x'.repeat(2 << 20))":                                  "t.echo: param value: larger than the limit of 1048576 bytes",
		"host.t.echo(NaN)":                                                  "t.echo: param value: number is not finite (NaN or Infinity)",
		"host.t.echo(10n)":                                                  "t.echo: param value: a value of this type (bigint?) cannot cross to the host",
		"host.t.echo(new Map())":                                            "t.echo: param value: a Map object cannot cross to the host; convert it to plain data first",
		"host.t.echo(new Proxy({}, {}))":                                    "t.echo: param value: a Proxy cannot cross to the host",
	} {
		_, err := run(t, h, src, engine.RunOptions{Policy: pol})
		if !errors.As(err, &e) || e.Kind != engine.KindRuntime || !strings.HasSuffix(e.Message, want) {
			t.Errorf("%s: got %v, want runtime error %q", src, err, want)
		}
		res, err := run(t, h, "try { "+src+" } catch (e) { return 'caught' }", engine.RunOptions{Policy: pol})
		if err != nil || res.Value != "caught" {
			t.Errorf("%s: not catchable: %v %v", src, res.Value, err)
		}
	}
}

// The errors the host makes and reads do not depend on what a script did
// to the globals: rebinding Error, TypeError, RangeError or
// Object.getOwnPropertyDescriptor changes nothing.
func TestHostErrorsIgnoreRebinding(t *testing.T) {
	h := newHost(t)
	pol := mustPolicy(t, testPolicy)
	const tamper = `const hits = []; const spy = n => function() { hits.push(n); throw "spied"; };
Error = spy("Error"); TypeError = spy("TypeError"); RangeError = spy("RangeError");
Object.getOwnPropertyDescriptor = spy("gOPD"); Reflect.getOwnPropertyDescriptor = spy("Reflect");
`
	for _, c := range []struct{ src, want string }{
		{"try { host.t.boom() } catch (e) { return [e.name, e.message, e instanceof Object.getPrototypeOf(e).constructor, hits.length].join() }", "HostError,t.boom: host function failed,true,0"},
		{"try { host.t.typed(1) } catch (e) { return [e.name, e.message, hits.length].join() }", "TypeError,t.typed: param key: want string, got int,0"},
	} {
		res, err := run(t, h, tamper+c.src, engine.RunOptions{Policy: pol})
		if err != nil || res.Value != c.want {
			t.Errorf("%s: got %v, %v, want %q", c.src, res.Value, err, c.want)
		}
	}
	// Uncaught errors are read without the script's functions.
	_, err := run(t, h, tamper+"const e = new SyntaxError('custom message'); throw e", engine.RunOptions{Policy: pol})
	var e *engine.Error
	if !errors.As(err, &e) || e.Kind != engine.KindRuntime || !strings.Contains(e.Message, "SyntaxError: custom message") {
		t.Errorf("uncaught SyntaxError after tampering: got %v", err)
	}
	// The native recursion RangeError is still the stackDepth limit.
	_, err = run(t, h, tamper+"let o = {}; for (let i = 0; i < 5000; i++) o = {a: o}; return JSON.stringify(o)", engine.RunOptions{Policy: pol})
	if k, l := kindOf(err); k != engine.KindLimit || l != limits.StackDepth {
		t.Errorf("native recursion after tampering: got %v, want limit stackDepth", err)
	}
}

func TestDenied(t *testing.T) {
	var calls sync.Map
	h := newHost(t, testModule(&calls))
	pol := mustPolicy(t, testPolicy)
	for _, src := range []string{
		"host.t.secret()",
		"try { host.t.secret() } catch (e) { return 'caught' }",
		"try { host.t.secret() } finally { return 'finally' }",
		"return ['a', 'b'].map(host.t.secret)",
		"Promise.resolve().then(() => host.t.secret()).catch(() => 1); return 1",
	} {
		_, err := run(t, h, src, engine.RunOptions{Policy: pol})
		var e *engine.Error
		if !errors.As(err, &e) || e.Kind != engine.KindDenied || e.Capability != "t.secret" || e.Rule != "no-secret" {
			t.Errorf("%q: got %v, want denied t.secret by no-secret", src, err)
			continue
		}
		if !strings.Contains(e.Message, "secrets are off limits") {
			t.Errorf("%q: message %q lacks the rule's message", src, e.Message)
		}
	}
	if _, ok := calls.Load("secret"); ok {
		t.Errorf("a denied function ran")
	}
	// No policy: nothing is allowed.
	_, err := run(t, h, "host.t.echo(1)", engine.RunOptions{})
	if k, _ := kindOf(err); k != engine.KindDenied {
		t.Errorf("no policy: got %v, want denied", err)
	}
	// A rule that fails to evaluate denies and says why.
	_, err = run(t, h, "host.t.typed('x')", engine.RunOptions{Policy: pol})
	var e *engine.Error
	if !errors.As(err, &e) || e.Kind != engine.KindDenied || e.Rule != "broken" || !strings.Contains(e.Message, "missing") {
		t.Errorf("failing rule: got %v, want denied by broken naming the missing key", err)
	}
	// Catchable denials.
	cpol := mustPolicy(t, "catchableDenials: true\n"+testPolicy)
	res, err := run(t, h, "try { host.t.secret() } catch (e) { return e.name }", engine.RunOptions{Policy: cpol})
	if err != nil || res.Value != "DeniedError" {
		t.Errorf("catchable: got %v %v", res.Value, err)
	}
	_, err = run(t, h, "host.t.secret()", engine.RunOptions{Policy: cpol})
	if k, _ := kindOf(err); k != engine.KindDenied {
		t.Errorf("uncaught catchable denial: got %v, want denied", err)
	}
}

func TestHostCallBudget(t *testing.T) {
	h := newHost(t)
	pol := mustPolicy(t, testPolicy)
	res, err := run(t, h, "for (let i = 0; i < 10; i++) { try { host.t.echo(i) } catch (e) {} } return 1",
		engine.RunOptions{Policy: pol, Budget: limits.Budget{HostCalls: 5}})
	if k, l := kindOf(err); k != engine.KindLimit || l != limits.HostCalls {
		t.Fatalf("got %v, want limit hostCalls", err)
	}
	if res.Usage.HostCalls != 5 {
		t.Errorf("usage hostCalls %d, want 5", res.Usage.HostCalls)
	}
}

func TestOutputAndLogs(t *testing.T) {
	h := newHost(t)
	_, err := run(t, h, "return 'x'.repeat(2000)", engine.RunOptions{Budget: limits.Budget{Output: 1000}})
	if k, l := kindOf(err); k != engine.KindLimit || l != limits.Output {
		t.Errorf("output: got %v, want limit output", err)
	}
	for _, src := range []string{"return () => 1", "const a = {}; a.a = a; return a", "return Symbol()", "return new Date(0)", "return NaN"} {
		_, err := run(t, h, src, engine.RunOptions{})
		if k, _ := kindOf(err); k != engine.KindOutput {
			t.Errorf("%q: got %v, want output error", src, err)
		}
	}
	res, err := run(t, h, "console.log('a', 1, {b: [2]}); console.error('e'); return 1", engine.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []engine.LogLine{{Level: "info", Message: `a 1 {"b":[2]}`}, {Level: "error", Message: "e"}}
	if diff := cmp.Diff(want, res.Logs); diff != "" {
		t.Errorf("logs (-want +got):\n%s", diff)
	}
	_, err = run(t, h, "for (;;) console.log('spam')", engine.RunOptions{Budget: limits.Budget{Logs: 1000}})
	if k, l := kindOf(err); k != engine.KindLimit || l != limits.Logs {
		t.Errorf("logs: got %v, want limit logs", err)
	}
}

func TestCompileErrors(t *testing.T) {
	h := newHost(t)
	for src, want := range map[string]string{
		"let x = ;":                                 "t.js:1:9",
		"\n\n  foo bar":                             "t.js:3:7",
		"}, function(){":                            "t.js:1:1",
		"with ({}) {}":                              "t.js:1:1",
		"return 1\n}\n(function(){":                 "t.js:3:13",
		"return 1 +\n":                              "t.js:2:1",
		"let a; let a;":                             "t.js:1:12",
		strings.Repeat("(", 100000):                 "t.js:1:258", // the token inside the 257th bracket
		strings.Repeat("[", 1000000):                "t.js:1:258",
		strings.Repeat("!", 1000000):                "t.js:1:",
		"x = " + strings.Repeat("a=", 500000) + "1": "t.js:1:",
	} {
		_, err := h.Compile(engine.Source{Name: "t.js", Lang: "js", Code: src})
		var e *engine.Error
		if !errors.As(err, &e) || e.Kind != engine.KindCompile || !strings.HasPrefix(e.Pos.String(), want) {
			short := src
			if len(short) > 30 {
				short = short[:30] + "..."
			}
			t.Errorf("%q: got %v, want compile error at %s", short, err, want)
		}
	}
	_, err := h.Compile(engine.Source{Name: "t.js", Lang: "js", Code: strings.Repeat(" ", 2<<20)})
	if k, l := kindOf(err); k != engine.KindLimit || l != limits.Source {
		t.Errorf("big source: got %v, want limit source", err)
	}
}

func TestRuntimeErrorPositions(t *testing.T) {
	h := newHost(t)
	_, err := run(t, h, "function f() {\n  null.x\n}\nf()", engine.RunOptions{})
	var e *engine.Error
	if !errors.As(err, &e) || e.Kind != engine.KindRuntime || e.Pos != (loc.Pos{File: "t.js", Line: 2, Col: 8}) {
		t.Fatalf("got %v, want runtime error at t.js:2:8", err)
	}
	wantStack := []loc.Frame{{Func: "f", Pos: loc.Pos{File: "t.js", Line: 2, Col: 8}}, {Func: "<anonymous>", Pos: loc.Pos{File: "t.js", Line: 4, Col: 2}}}
	if diff := cmp.Diff(wantStack, e.Stack); diff != "" {
		t.Errorf("stack (-want +got):\n%s", diff)
	}
	for _, s := range append(loc.Strings(e.Stack), e.Message) {
		if strings.Contains(s, ".go") || strings.Contains(s, "goja") {
			t.Errorf("Go internals leak: %q", s)
		}
	}
	_, err = run(t, h, "async function f() { await null; throw new TypeError('late') }\nreturn f()", engine.RunOptions{})
	if !errors.As(err, &e) || e.Kind != engine.KindRuntime || e.Message != "uncaught TypeError: late" {
		t.Fatalf("async throw: got %v", err)
	}
	// A rejection carries no exception stack: the position is where the
	// Error object was made.
	if want := (loc.Pos{File: e.Pos.File, Line: 1, Col: 40}); e.Pos != want || len(e.Stack) != 1 || e.Stack[0].Func != "f" {
		t.Errorf("async throw: pos %v, stack %v; want %v in f", e.Pos, e.Stack, want)
	}
	_, err = run(t, h, "return new Promise(() => {})", engine.RunOptions{})
	if k, _ := kindOf(err); k != engine.KindRuntime {
		t.Fatalf("pending promise: got %v", err)
	}
}

// One script-controlled number above goja's allocation caps is a RangeError
// the script can catch, before anything is allocated; below the caps, what a
// built-in allocates is charged to the memory budget as it is made (goja's
// memory meter), so a run over its budget stops with the memory limit. The
// host keeps serving.
func TestBigAllocations(t *testing.T) {
	h := newHost(t)
	for _, src := range []string{
		"return 'ab'.repeat(2**62)",
		"return 'ab'.repeat(2**31)",
		"return ''.padStart(2**40)",
		"return 'x'.padEnd(2**30, 'y')",
		"return Array.from({length: 2**31})",
		"return new ArrayBuffer(2**40)",
		"return Math.max.apply(null, {length: 2**32-1})",
		"return new Array(2**31).join('abc')",
		"const a = []; a.length = 2**32 - 1; return a.join()",
	} {
		_, err := run(t, h, src, engine.RunOptions{})
		var e *engine.Error
		if !errors.As(err, &e) || e.Kind != engine.KindRuntime || !strings.Contains(e.Message, "RangeError") {
			t.Errorf("%q: got %v, want an uncaught RangeError", src, err)
		}
	}
	if res, err := run(t, h, "try { 'ab'.repeat(2**40) } catch (e) { return e.name }", engine.RunOptions{}); err != nil || res.Value != "RangeError" {
		t.Errorf("caught cap: got %v, %v", res.Value, err)
	}
	for _, src := range []string{
		"return 'ab'.repeat(2**26)",
		"try { 'ab'.repeat(2**26) } catch (e) {} return 1",
		"return 'x'.padEnd(2**27, 'y')",
		"return new Array(2**24).fill(0)",
		"return new Array(2**22).join('abcd')",
		"let s = 'x'; for (;;) s += s",
		"return new ArrayBuffer(2**27)",
	} {
		_, err := run(t, h, src, engine.RunOptions{Budget: limits.Budget{Memory: 8 << 20, CPU: time.Minute, Timeout: time.Minute}})
		if k, l := kindOf(err); k != engine.KindLimit || l != limits.Memory {
			t.Errorf("%q: got %v, want limit memory", src, err)
		}
	}
	res, err := run(t, h, "return 'ab'.repeat(3) + 'x'.padStart(3, '-') + [1, 2].join('+') + Array.from('ab').length", engine.RunOptions{})
	if err != nil || res.Value != "ababab--x1+22" {
		t.Fatalf("ordinary use: %v %v", res.Value, err)
	}
	if res, err := run(t, h, "return 1", engine.RunOptions{}); err != nil || res.Value != int64(1) {
		t.Fatalf("host broken after panic: %v", err)
	}
}

// 200 concurrent runs each tamper with globals, prototypes and built-ins; no
// run sees another's changes.
func TestIsolationConcurrent(t *testing.T) {
	h := newHost(t)
	src := `
const before = [typeof globalThis.leak, Array.prototype.leak, Object.prototype.leak, JSON.leak, String.prototype.trim === undefined, Math.max(1, 2)];
globalThis.leak = input.id;
Array.prototype.leak = input.id;
Object.prototype.leak = input.id;
JSON.leak = input.id;
String.prototype.trim = undefined;
Math.max = () => -1;
Object.freeze(Object.prototype);
host.t.leak = 1;
return before`
	s, err := h.Compile(engine.Source{Name: "t.js", Lang: "js", Code: src})
	if err != nil {
		t.Fatal(err)
	}
	pol := mustPolicy(t, testPolicy)
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := h.Run(context.Background(), s, engine.RunOptions{Input: map[string]any{"id": int64(i)}, Policy: pol})
			if err != nil {
				errs <- err
				return
			}
			want := []any{"undefined", nil, nil, nil, false, int64(2)}
			if diff := cmp.Diff(want, res.Value); diff != "" {
				errs <- fmt.Errorf("run %d saw another run's state: %s", i, diff)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// A run that tampers with everything it can reach (globals, prototypes,
// built-ins, the host and console objects, their functions) leaves nothing
// for the next runs on the same backend, which see pristine state whether
// the tampering run finished, threw or hit a limit.
func TestNoStateAcrossRuns(t *testing.T) {
	h := newHost(t)
	pol := mustPolicy(t, testPolicy)
	const tamper = `
globalThis.leak = 1; var leakVar = 1;
Object.prototype.leak = 1; Array.prototype.push = () => 0; String.prototype.trim = null;
Function.prototype.call = null; Promise.prototype.then = null; JSON.stringify = () => "x";
Math.max = () => -1; Symbol.prototype.leak = 1; Array.prototype[Symbol.iterator] = null;
Object.defineProperty(Object.prototype, "getter", {get() { throw 1 }, configurable: false});
host.t.echo.leak = 1; try { host.t.extra = 1 } catch (e) {}
console.log.leak = 1; console.extra = 1; delete console.warn;
Object.freeze(Object.prototype); Object.freeze(host); Object.freeze(host.t);
Error = null; TypeError.prototype.name = "leak";
`
	const check = `return [typeof leak, typeof leakVar, ({}).leak, [].push(1), typeof "".trim,
	typeof Function.prototype.call, typeof Promise.prototype.then, JSON.stringify([1]), Math.max(1, 2),
	Symbol().leak, [...[1, 2]].length, ({}).getter, host.t.echo.leak, host.t.extra, console.log.leak,
	console.extra, typeof console.warn, Object.isFrozen(Object.prototype), Object.isFrozen(host),
	Object.isFrozen(host.t), typeof Error, new TypeError("m").name, host.t.echo(3)]`
	want := []any{"undefined", "undefined", nil, int64(1), "function", "function", "function", "[1]", int64(2),
		nil, int64(2), nil, nil, nil, nil, nil, "function", false, false, false, "function", "TypeError", int64(3)}
	// The tampering itself runs to its end.
	if res, err := run(t, h, tamper+"return [leak, [].push(1), Math.max(1, 2), typeof Error]", engine.RunOptions{Policy: pol}); err != nil || cmp.Diff([]any{int64(1), int64(0), int64(-1), "object"}, res.Value) != "" {
		t.Fatalf("tampering: got %v, %v", res.Value, err)
	}
	for _, end := range []string{"return 1", "throw new Error('x')", "for (;;) {}", "await new Promise(() => {})"} {
		_, _ = run(t, h, tamper+end, engine.RunOptions{Policy: pol, Budget: limits.Budget{Steps: 1e6}})
		for i := 0; i < 3; i++ {
			res, err := run(t, h, check, engine.RunOptions{Policy: pol})
			if err != nil {
				t.Fatalf("after %q: %v", end, err)
			}
			if diff := cmp.Diff(want, res.Value); diff != "" {
				t.Errorf("after %q, run %d saw state of the tampering run (-want +got):\n%s", end, i, diff)
			}
		}
	}
}

// The watchdog racing a finishing run: a timeout that fires as a run ends
// never reaches another run.
func TestWatchdogRace(t *testing.T) {
	h := newHost(t)
	s, err := h.Compile(engine.Source{Name: "t.js", Lang: "js", Code: "let s = 0; for (let i = 0; i < input; i++) s += i; return s"})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				_, _ = h.Run(context.Background(), s, engine.RunOptions{Input: int64(i * 200), Budget: limits.Budget{Timeout: time.Duration(i%5+1) * time.Millisecond}})
				res, err := h.Run(context.Background(), s, engine.RunOptions{Input: int64(10)})
				if err != nil || res.Value != int64(45) {
					t.Errorf("clean run after a racing one: %v %v", res.Value, err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestExactSteps(t *testing.T) {
	h := newHost(t)
	src := "let s = 0; for (let i = 0; i < 5000; i++) s += i; function f(n) { return n < 2 ? n : f(n-1) + f(n-2) } return f(10)"
	var counts []int64
	for i := 0; i < 3; i++ {
		res, err := run(t, h, src, engine.RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		counts = append(counts, res.Usage.Steps)
	}
	// A step is a VM instruction: several per loop iteration and call.
	n := counts[0]
	if n < 5000*3 || counts[1] != n || counts[2] != n {
		t.Errorf("steps %v, want the same count (over 15000) each time", counts)
	}
	res, err := run(t, h, src, engine.RunOptions{Budget: limits.Budget{Steps: n - 1}})
	if k, l := kindOf(err); k != engine.KindLimit || l != limits.Steps {
		t.Errorf("one step short: got %v, want limit steps", err)
	}
	if res.Usage.Steps != n {
		t.Errorf("one step short: usage says %d steps, want %d (over the budget of %d)", res.Usage.Steps, n, n-1)
	}
	if _, err := run(t, h, src, engine.RunOptions{Budget: limits.Budget{Steps: n}}); err != nil {
		t.Errorf("exact budget: %v", err)
	}
}

func TestDeterminism(t *testing.T) {
	h := newHost(t)
	src := "return [Math.random(), Math.random(), Date.now(), new Date().toISOString()]"
	now := func() time.Time { return time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC) }
	a, err := run(t, h, src, engine.RunOptions{Seed: 42, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := run(t, h, src, engine.RunOptions{Seed: 42, Now: now})
	c, _ := run(t, h, src, engine.RunOptions{Seed: 43, Now: now})
	if diff := cmp.Diff(a.Value, b.Value); diff != "" {
		t.Errorf("same seed differs: %s", diff)
	}
	if cmp.Equal(a.Value, c.Value) {
		t.Errorf("different seeds give the same numbers")
	}
	if got := a.Value.([]any)[3]; got != "2000-01-01T00:00:00.000Z" {
		t.Errorf("clock: %v", got)
	}
}

// Built-ins that recurse in Go over structures the script built (proxy
// chains, nested arrays turned into strings, JSON.stringify) are bounded by
// the stack-depth budget: deep enough, they would overflow the Go stack,
// which kills the process.
func TestNativeRecursionBounded(t *testing.T) {
	h := newHost(t)
	for _, src := range []string{
		"let p = {}; for (let i = 0; i < 5000; i++) p = new Proxy(p, {}); return p.x",
		"let p = {}; for (let i = 0; i < 5000; i++) p = Proxy.revocable(p, {}).proxy; return p.x",
		"let h = {}; for (let i = 0; i < 5000; i++) h = new Proxy({}, h); return h.x",
		"let o = {}; for (let i = 0; i < 5000; i++) o = {a: o}; return JSON.stringify(o)",
		"let o = {}; for (let i = 0; i < 5000; i++) o = {a: o}; return JSON.stringify(o, (k, v) => v)",
	} {
		nativeTooDeep(t, h, src)
	}
	// Built-ins wired into a cycle, or recursing over deep data through each
	// other, recurse in Go; each built-in call has a JS frame, so the
	// stack-depth limit ends them.
	for _, src := range []string{
		"let a = []; for (let i = 0; i < 5000; i++) a = [a]; return String(a)",
		"let a = []; for (let i = 0; i < 5000; i++) a = [a]; return a.join()",
		"let a = []; for (let i = 0; i < 5000; i++) a = [a]; return a.toLocaleString()",
		"Array.prototype.join = Array.prototype.toString; return String([])",
		"const o = {}; o.toString = Object.prototype.toLocaleString; return String(o)",
		"const d = new Date(); d.toISOString = Date.prototype.toJSON; return d.toJSON()",
		"const o = {}; o.toString = String.prototype.trim; return String(o)",
		"const o = {}; o.valueOf = o.toString = String.prototype.charCodeAt; return +o",
		"const o = {}; o.name = o; o.toString = Error.prototype.toString; return String(o)",
		"const r = /a/; Object.defineProperty(r, 'global', {get: Object.getOwnPropertyDescriptor(RegExp.prototype, 'flags').get}); return r.flags",
		"const a = []; const g = Array.prototype.forEach.bind(a); a.push(g); g(g)",
		"const m = new Map(); const g = Map.prototype.forEach.bind(m); m.set(g, g); g(g)",
		"const T = Object.getPrototypeOf(Uint8Array).prototype; Uint8Array.prototype.join = T.toString; return String(new Uint8Array(1))",
	} {
		_, err := run(t, h, src, engine.RunOptions{})
		if k, l := kindOf(err); k != engine.KindLimit || l != limits.StackDepth {
			t.Errorf("%q: got %v, want limit stackDepth", src, err)
		}
	}
	for src, want := range map[string]any{
		"return new Proxy({}, {get: () => 1}).x":                                     int64(1),
		"const r = Proxy.revocable({a: 2}, {}); return r.proxy.a":                    int64(2),
		"return JSON.stringify({a: [1, {b: 2}]})":                                    `{"a":[1,{"b":2}]}`,
		"return JSON.stringify({a: 1, b: 2}, (k, v) => k === 'b' ? undefined : v)":   `{"a":1}`,
		"return JSON.stringify({b: 1, a: 2, c: 3}, ['c', 'a'])":                      `{"c":3,"a":2}`,
		"return JSON.stringify([1], null, 1)":                                        "[\n 1\n]",
		"return String([[1, 2], [3]])":                                               "1,2,3",
		"try { new Proxy({}, {}); return typeof Proxy } catch (e) { return e.name }": "function",
	} {
		res, err := run(t, h, src, engine.RunOptions{})
		if err != nil || res.Value != want {
			t.Errorf("%q: got %v, %v; want %v", src, res.Value, err, want)
		}
	}
}

// nativeTooDeep checks that src, which recurses in goja's Go code over deep
// data, ends with the stackDepth limit when uncaught, and that the script can
// catch the RangeError goja throws (as V8 does).
func nativeTooDeep(t *testing.T, h *engine.Host, src string) {
	t.Helper()
	_, err := run(t, h, src, engine.RunOptions{})
	if k, l := kindOf(err); k != engine.KindLimit || l != limits.StackDepth {
		t.Errorf("%q: got %v, want limit stackDepth", src, err)
	}
	caught := "try { return (() => { " + src + " })() } catch (e) { return e.name }"
	if res, err := run(t, h, caught, engine.RunOptions{}); err != nil || res.Value != "RangeError" {
		t.Errorf("%q: got %v, %v; want a caught RangeError", caught, res.Value, err)
	}
}

func TestNativeRecursionBoundedMore(t *testing.T) {
	h := newHost(t)
	for _, src := range []string{
		"let a = []; for (let i = 0; i < 5000; i++) a = [a]; return a.flat(Infinity)",
		"let a = []; for (let i = 0; i < 5000; i++) a = [a]; return JSON.stringify(a, ['x'])",
		"let o = {}; for (let i = 0; i < 5000; i++) o = {x: o}; return JSON.stringify(o, ['x'])",
		"return JSON.parse('['.repeat(5000) + ']'.repeat(5000))",
		"return JSON.parse('{\"a\":'.repeat(5000) + '1' + '}'.repeat(5000))",
	} {
		nativeTooDeep(t, h, src)
	}
	res, err := run(t, h, `return JSON.parse('{"a": ["[[[", {"b": "\\"{{"}]}').a[1].b`, engine.RunOptions{})
	if err != nil || res.Value != `"{{` {
		t.Errorf("JSON.parse: %v %v", res.Value, err)
	}
	res, err = run(t, h, "return [[1, [2, [3]]]].flat(Infinity).concat([[4]].flat())", engine.RunOptions{})
	if diff := cmp.Diff([]any{int64(1), int64(2), int64(3), int64(4)}, res.Value); err != nil || diff != "" {
		t.Errorf("flat: %v %s", err, diff)
	}
}

// No function a script can reach carries a Go symbol in its name (goja
// names Go functions after their Go symbol unless told otherwise).
func TestNoGoNamesLeak(t *testing.T) {
	h := newHost(t)
	res, err := run(t, h, `
const bad = [], seen = new Set();
function visit(o, path, depth) {
	if (o === null || (typeof o !== 'object' && typeof o !== 'function') || seen.has(o) || depth > 3) return;
	seen.add(o);
	for (const k of Reflect.ownKeys(o)) {
		const d = Object.getOwnPropertyDescriptor(o, k);
		for (const f of [d.value, d.get, d.set]) {
			if (typeof f === 'function' && /[./*()]/.test(f.name) && !/^(get|set) |^\[Symbol\./.test(f.name)) bad.push(path + '.' + String(k) + ': ' + f.name);
			visit(f, path + '.' + String(k), depth + 1);
		}
	}
	visit(Object.getPrototypeOf(o), path + '.__proto__', depth + 1);
}
visit(globalThis, 'globalThis', 0);
return bad`, engine.RunOptions{Budget: limits.Budget{Steps: 1 << 30}})
	if err != nil {
		t.Fatal(err)
	}
	if bad := res.Value.([]any); len(bad) > 0 {
		t.Errorf("Go names reach the script: %v", bad)
	}
}

// Wrapped built-ins and host functions used directly as promise handlers
// keep the job order goja gives them (re-entering the runtime from a job
// would drain the queue nested inside it).
func TestJobOrderWithNativeHandlers(t *testing.T) {
	h := newHost(t)
	res, err := run(t, h, `const log = [];
Promise.resolve('[1]').then(JSON.parse).then(v => log.push('parse:' + v.length));
Promise.resolve({a: 1}).then(JSON.stringify).then(v => log.push(v));
Promise.resolve('x').then(host.t.echo).then(v => log.push('echo:' + v));
Promise.resolve(0).then(() => log.push('a')).then(() => log.push('b')).then(() => log.push('c'));
for (let i = 0; i < 6; i++) await null;
return log.join(' ')`, engine.RunOptions{Policy: mustPolicy(t, testPolicy)})
	if want := `a parse:1 {"a":1} echo:x b c`; err != nil || res.Value != want {
		t.Errorf("got %v, %v; want %q", res.Value, err, want)
	}
}

// TestScriptAsWritten: the script runs as written, nothing inserted: a
// leading "use strict" makes it strict, and what JS refuses stays refused.
func TestScriptAsWritten(t *testing.T) {
	h := newHost(t)
	for src, want := range map[string]any{
		`"use strict"; return (function(){return this})() === undefined`:          true,
		`'use strict'; try { undeclared = 1 } catch (e) { return e.name }`:        "ReferenceError",
		`return (function(){return this})() === undefined`:                        false,
		`"use strict"; await 0; return (function(){return this})() === undefined`: true,
	} {
		res, err := run(t, h, src, engine.RunOptions{})
		if err != nil {
			t.Errorf("%s: %v", src, err)
			continue
		}
		if diff := cmp.Diff(want, res.Value); diff != "" {
			t.Errorf("%s: %s", src, diff)
		}
	}
	for _, src := range []string{
		`for (;;) let x = 1;`,
		`while (false) const y = 1;`,
		`do function f() {} while (false)`,
		`"use strict"; for (;;) function g() {}`,
	} {
		if _, err := h.Compile(engine.Source{Name: "t.js", Lang: "js", Code: src}); err == nil {
			t.Errorf("%s: compiled, want a syntax error", src)
		}
	}
}

// TestStopPositions: a stop that comes from outside the VM (the wall-time
// limit, here) names where the script was.
func TestStopPositions(t *testing.T) {
	h := newHost(t)
	_, err := run(t, h, "let n = 0\nwhile (true) { n++ }", engine.RunOptions{Budget: limits.Budget{Timeout: 20 * time.Millisecond, Steps: 1 << 50, CPU: time.Hour}})
	var e *engine.Error
	if !errors.As(err, &e) || e.Kind != engine.KindLimit || e.Limit != limits.Timeout {
		t.Fatalf("got %v, want limit timeout", err)
	}
	if e.Pos.File != "t.js" || e.Pos.Line != 2 || e.Pos.Col == 0 {
		t.Errorf("position %v, want t.js:2:...", e.Pos)
	}
}

// TestNativeLoopSteps: built-in loops over script data count steps, so a
// step budget stops one long built-in call.
func TestNativeLoopSteps(t *testing.T) {
	h := newHost(t)
	for _, src := range []string{
		"return Array(2**32-1).lastIndexOf(1)",
		"return new Set(Array(2**32-1).keys()).size",
		`return Object.entries("0123456789".repeat(5e5)).length`,
	} {
		res, err := run(t, h, src, engine.RunOptions{Budget: limits.Budget{Steps: 1e6, Timeout: time.Hour, CPU: time.Hour}})
		if k, l := kindOf(err); k != engine.KindLimit || l != limits.Steps {
			t.Errorf("%s: got %v, want limit steps", src, err)
		} else if res.Usage.Steps != 1e6+1 {
			t.Errorf("%s: usage %d steps, want %d", src, res.Usage.Steps, int64(1e6+1))
		}
	}
}
