package lua_test

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/scriptrun/scriptrun/bridge"
	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/engine/lua"
	"github.com/scriptrun/scriptrun/limits"
	"github.com/scriptrun/scriptrun/loc"
	"github.com/scriptrun/scriptrun/policy"
)

// testModules are the host objects the tests call.
func testModules() []*bridge.Module {
	return []*bridge.Module{{
		Name: "t",
		Funcs: []*bridge.Func{
			{Name: "echo", Params: []bridge.Param{{Name: "v", Type: bridge.Any, Optional: true}},
				Impl: func(_ context.Context, a bridge.Args) (any, error) { return a["v"], nil }},
			{Name: "keys", Params: []bridge.Param{{Name: "m", Type: bridge.Map}},
				Impl: func(_ context.Context, a bridge.Args) (any, error) {
					return bridge.SortedKeys(a["m"].(map[string]any)), nil
				}},
			{Name: "bytes", Params: []bridge.Param{{Name: "b", Type: bridge.Bytes}},
				Impl: func(_ context.Context, a bridge.Args) (any, error) { return hex.EncodeToString(a.Bytes("b")), nil }},
			{Name: "len", Params: []bridge.Param{{Name: "l", Type: bridge.List}},
				Impl: func(_ context.Context, a bridge.Args) (any, error) { return int64(len(a["l"].([]any))), nil }},
			{Name: "boom", Impl: func(context.Context, bridge.Args) (any, error) { panic("host exploded at /secret/path.go") }},
			{Name: "fail", Impl: func(context.Context, bridge.Args) (any, error) { return nil, bridge.Message("nope") }},
		},
	}}
}

func newHost(t testing.TB) *engine.Host {
	t.Helper()
	h, err := engine.NewHost(engine.Config{Backends: []engine.Backend{lua.New()}, Modules: testModules()})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func allowAll(t testing.TB, catchable bool) *policy.Policy {
	t.Helper()
	p, err := policy.New(policy.Policy{Name: "all", CatchableDenials: catchable,
		Rules: []*policy.Rule{{Name: "all", Allow: []string{"t.*"}}}}, policy.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func run(t testing.TB, h *engine.Host, src string, opts engine.RunOptions) (*engine.Result, error) {
	t.Helper()
	s, err := h.Compile(engine.Source{Name: "t.lua", Lang: "lua", Code: src})
	if err != nil {
		return &engine.Result{}, err
	}
	return h.Run(context.Background(), s, opts)
}

func kindOf(err error) string {
	var e *engine.Error
	if !errors.As(err, &e) {
		if err == nil {
			return "ok"
		}
		return "not *engine.Error"
	}
	if e.Limit != "" {
		return string(e.Kind) + ":" + e.Limit
	}
	return string(e.Kind)
}

func TestValues(t *testing.T) {
	h := newHost(t)
	pol := allowAll(t, false)
	input := map[string]any{"n": int64(3), "f": 2.5, "s": "x\x00é", "b": true,
		"l": []any{int64(1), "two", []any{}}, "m": map[string]any{"k": "v"}}
	// A null map value is an absent key in Lua: it does not come back.
	withNull := map[string]any{"a": nil, "b": int64(1)}
	tests := []struct {
		src  string
		want any
		kind string
	}{
		{"return nil", nil, "ok"},
		{"return true", true, "ok"},
		{"return 42", int64(42), "ok"},
		{"return 2^53", int64(1 << 53), "ok"},
		{"return 1.5", 1.5, "ok"},
		{"return 3.0", int64(3), "ok"},
		{"return 'a\\0b\\195\\169'", "a\x00bé", "ok"},
		// Lua strings are bytes, host strings text: bytes that are not
		// UTF-8 cross only to a parameter declared bytes.
		{"return 'a\\0b\\255'", nil, "output"},
		{"return {['\\255'] = 1}", nil, "output"},
		{"return host.t.echo('\\255')", nil, "runtime"},
		{"return host.t.bytes('\\255\\0')", "ff00", "ok"},
		{"print('\\255')", nil, "runtime"},
		{"return {1, 2, 3}", []any{int64(1), int64(2), int64(3)}, "ok"},
		{"return {a = 1, b = {c = 'd'}}", map[string]any{"a": int64(1), "b": map[string]any{"c": "d"}}, "ok"},
		{"return {}", []any{}, "ok"},
		{"return input", input, "ok"},
		{"return input.s", "x\x00é", "ok"},
		{"return host.t.echo(" + "{a = nil, b = 1})", map[string]any{"b": int64(1)}, "ok"},
		{"return input.l[2]", "two", "ok"},
		{"return host.t.echo(input)", input, "ok"},
		{"return host.t.echo({x = {1, {y = 2}}})", map[string]any{"x": []any{int64(1), map[string]any{"y": int64(2)}}}, "ok"},
		{"return host.t.keys({})", []any{}, "ok"},
		{"return host.t.len({})", int64(0), "ok"},
		{"return {1, 2, x = 3}", nil, "output"},
		{"return {1, nil, 3}", nil, "output"},
		{"return {[1.5] = 1}", nil, "output"},
		{"return {[true] = 1}", nil, "output"},
		{"return print", nil, "output"},
		{"return coroutine.create(function() end)", nil, "output"},
		{"local t = {} t.self = t return t", nil, "output"},
		{"return 0/0", nil, "output"},
		{"return 1/0", nil, "output"},
		{"local t = {} for i = 1, 100 do t = {t} end return t", nil, "output"},
		{"return string.rep('x', 2000000)", nil, "limit:output"},
		{"local ok, e = pcall(host.t.echo, {f = print}) return e", "t.lua:1: t.echo: param v: at $.f: a function cannot cross to the host", "ok"},
		{"return host.t.echo({f = print})", nil, "runtime"},
	}
	res, err := run(t, h, "return input", engine.RunOptions{Input: withNull})
	if err != nil || cmp.Diff(map[string]any{"b": int64(1)}, res.Value) != "" {
		t.Errorf("input with a null value: got %v, %v", res.Value, err)
	}
	for _, tt := range tests {
		res, err := run(t, h, tt.src, engine.RunOptions{Input: input, Policy: pol})
		if got := kindOf(err); got != tt.kind {
			t.Errorf("%s: kind = %s (%v), want %s", tt.src, got, err, tt.kind)
			continue
		}
		if err == nil {
			if diff := cmp.Diff(tt.want, res.Value); diff != "" {
				t.Errorf("%s: value (-want +got):\n%s", tt.src, diff)
			}
		}
	}
}

func TestClosedGlobals(t *testing.T) {
	h := newHost(t)
	for _, name := range []string{"os", "io", "debug", "package", "channel", "require", "module",
		"dofile", "loadfile", "load", "loadstring", "getfenv", "setfenv", "collectgarbage",
		"newproxy", "_printregs", "string.dump", "_GOPHER_LUA_VERSION"} {
		src := "return " + name + " == nil"
		res, err := run(t, h, src, engine.RunOptions{})
		if err != nil || res.Value != true {
			t.Errorf("%s: got %v, %v; want true", src, res.Value, err)
		}
	}
	for _, name := range []string{"print", "pcall", "xpcall", "string.format", "table.insert", "math.floor",
		"coroutine.create", "coroutine.wrap", "pairs", "ipairs", "setmetatable", "tostring", "tonumber"} {
		src := "return type(" + name + ")"
		res, err := run(t, h, src, engine.RunOptions{})
		if err != nil || res.Value != "function" {
			t.Errorf("%s: got %v, %v; want function", src, res.Value, err)
		}
	}
}

func TestFormat(t *testing.T) {
	h := newHost(t)
	tests := []struct{ src, want, kind string }{
		{"return string.format('%d %5.1f %-3s| %x %q', 7, 2.25, 'a', 255, 'a\\nb')", "7   2.2 a  | ff \"a\\\nb\"", "ok"},
		{"return string.format('%g %g', 0.1, 1/3)", "0.1 0.333333", "ok"},
		{"return ('%s'):format(nil)", "nil", "ok"},
		{"return string.format('%T', 1)", "", "runtime"},
		{"return string.format('%p', {})", "", "runtime"},
		{"return string.format('%v', {})", "", "runtime"},
		{"return string.format('%100d', 1)", "", "runtime"},
		{"return string.format('%d')", "", "runtime"},
	}
	for _, tt := range tests {
		res, err := run(t, h, tt.src, engine.RunOptions{})
		if got := kindOf(err); got != tt.kind {
			t.Errorf("%s: kind = %s (%v), want %s", tt.src, got, err, tt.kind)
			continue
		}
		if err == nil && res.Value != tt.want {
			t.Errorf("%s: got %q, want %q", tt.src, res.Value, tt.want)
		}
	}
}

func TestIsolation(t *testing.T) {
	h := newHost(t)
	tamper := `
getmetatable('').__index.upper = nil
string.lower = nil
setmetatable(_G, {__index = function() return 'leak' end, __newindex = function() end})
table.insert = nil
math.floor = nil
x = 1
return 1`
	check := `return {type(("a").upper), type(string.lower), tostring(undefined_name), type(table.insert), type(math.floor), tostring(x), getmetatable(_G) == nil}`
	if _, err := run(t, h, tamper, engine.RunOptions{}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		res, err := run(t, h, check, engine.RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		want := []any{"function", "function", "nil", "function", "function", "nil", true}
		if diff := cmp.Diff(want, res.Value); diff != "" {
			t.Errorf("run %d after tampering (-want +got):\n%s", i, diff)
		}
	}
}

func TestStepsExact(t *testing.T) {
	h := newHost(t)
	src := `
local function fib(n) if n < 2 then return n end return fib(n-1) + fib(n-2) end
local co = coroutine.wrap(function() for i = 1, 10 do coroutine.yield(i) end end)
local s = 0
for i = 1, 10 do s = s + co() end
pcall(function() error('x') end)
return fib(15) + s + #string.format('%d', 5)`
	var first int64
	for i := 0; i < 3; i++ {
		res, err := run(t, h, src, engine.RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = res.Usage.Steps
			if first < 1000 {
				t.Fatalf("steps = %d, suspiciously few", first)
			}
			continue
		}
		if res.Usage.Steps != first {
			t.Errorf("run %d: steps = %d, want %d", i, res.Usage.Steps, first)
		}
	}
	// With exactly that many steps the script finishes; one fewer, it does not.
	if _, err := run(t, h, src, engine.RunOptions{Budget: limits.Budget{Steps: first}}); err != nil {
		t.Errorf("budget = steps used: %v", err)
	}
	if _, err := run(t, h, src, engine.RunOptions{Budget: limits.Budget{Steps: first - 1}}); kindOf(err) != "limit:steps" {
		t.Errorf("budget = steps used - 1: %v, want limit steps", err)
	}
}

func TestInfiniteLoops(t *testing.T) {
	h := newHost(t)
	for _, src := range []string{
		"while true do end",
		"repeat until false",
		"::top:: goto top",
		"local function f() return f() end return f()",
		"local function f() f() end while true do pcall(f) end",
		"while true do pcall(function() while true do end end) end",
		"while true do xpcall(function() error('x') end, function() while true do end end) end",
		"xpcall(function() while true do end end, function() while true do end end)",
		"local co = coroutine.create(function() while true do end end) while true do coroutine.resume(co) end",
		"local co = coroutine.wrap(function() while true do coroutine.yield() end end) while true do pcall(co) end",
		"while true do pcall(coroutine.wrap(function() while true do end end)) end",
		"local t = setmetatable({}, {__index = function(t, k) return t[k+1] end}) while true do pcall(function() return t[1] end) end",
		"while true do pcall(string.gsub, 'aaaa', 'a', function() while true do end end) end",
		"local t = {3,2,1} while true do pcall(table.sort, t, function(a, b) while true do end end) end",
	} {
		res, err := run(t, h, src, engine.RunOptions{Budget: limits.Budget{Steps: 200000}})
		if got := kindOf(err); got != "limit:steps" && got != "limit:stackDepth" {
			t.Errorf("%s: %s (%v), want limit steps", src, got, err)
		}
		if res.Usage.Steps > 200001 {
			t.Errorf("%s: steps = %d", src, res.Usage.Steps)
		}
	}
}

func TestStackDepth(t *testing.T) {
	h := newHost(t)
	for _, src := range []string{
		"local function f(n) return 1 + f(n + 1) end return f(1)",
		"local function f() local ok, e = pcall(f) return e end return f()",
		"local function f() return 1 + select(2, pcall(f)) end return f()",
		"local t t = setmetatable({}, {__index = function(_, k) return t[k] end}) return t.x",
		"local function f(s) return (s:gsub('.', f)) end return f('ab')",
		"local t t = setmetatable({}, {__tostring = function() return tostring(t) end}) return tostring(t)",
		"local function f() local co = coroutine.wrap(f) return co() end return f()",
		"return coroutine.wrap(function() local function f() return 1 + f() end return f() end)()",
		"local co = coroutine.create(function() local function f() return 1 + f() end return f() end) local ok, e = coroutine.resume(co) return e",
	} {
		_, err := run(t, h, src, engine.RunOptions{Budget: limits.Budget{StackDepth: 2000}})
		got := kindOf(err)
		if got == "runtime" && strings.Contains(err.Error(), "too many live coroutines") {
			continue // recursion through coroutines ends at the coroutine cap
		}
		if got != "limit:stackDepth" {
			t.Errorf("%s: %s (%v), want limit stackDepth", src, got, err)
		}
	}
}

const deepErrorsSrc = `
local function deep(n) if n == 0 then for i = 1, 2000 do pcall(error, 'x') end return 1 end return deep(n - 1) + 0 end
return deep(1900)`

// 2000 errors caught at depth 1900 run within the default budget (with
// gopher-lua's traceback-building handler each cost milliseconds); the
// cost itself is measured by BenchmarkDeepErrors.
func TestDeepErrorsCheap(t *testing.T) {
	h := newHost(t)
	if _, err := run(t, h, deepErrorsSrc, engine.RunOptions{Budget: limits.Budget{StackDepth: 2000}}); err != nil {
		t.Fatal(err)
	}
}

func BenchmarkDeepErrors(b *testing.B) {
	h := newHost(b)
	for b.Loop() {
		if _, err := run(b, h, deepErrorsSrc, engine.RunOptions{Budget: limits.Budget{StackDepth: 2000}}); err != nil {
			b.Fatal(err)
		}
	}
}

func TestHostErrors(t *testing.T) {
	h := newHost(t)
	pol := allowAll(t, false)
	tests := []struct{ src, kind, want string }{
		{"return host.t.boom()", "host", ""},
		{"local ok, e = pcall(host.t.boom) return e", "ok", "t.lua:1: t.boom: host function failed"},
		{"return host.t.fail()", "host", ""},
		{"local ok, e = pcall(host.t.fail) return e", "ok", "t.lua:1: t.fail: nope"},
		{"return host.t.echo(1, 2)", "runtime", ""},
		{"return host.t.keys(1)", "runtime", ""},
		{"return host.t.echo('after')", "ok", "after"},
	}
	for _, tt := range tests {
		res, err := run(t, h, tt.src, engine.RunOptions{Policy: pol})
		if got := kindOf(err); got != tt.kind {
			t.Errorf("%s: kind = %s (%v), want %s", tt.src, got, err, tt.kind)
			continue
		}
		if err != nil {
			msg := err.Error()
			if strings.Contains(msg, "/secret") || strings.Contains(msg, "goroutine") || strings.Contains(msg, ".go:") {
				t.Errorf("%s: message leaks Go details: %s", tt.src, msg)
			}
			continue
		}
		if res.Value != tt.want {
			t.Errorf("%s: got %q, want %q", tt.src, res.Value, tt.want)
		}
	}
}

func TestDenied(t *testing.T) {
	h := newHost(t)
	deny, err := policy.New(policy.Policy{Name: "p", Rules: []*policy.Rule{
		{Name: "echo", Allow: []string{"t.echo"}},
		{Name: "no-secret", Deny: []string{"t.echo"}, When: `args.v == "secret"`},
	}}, policy.Options{})
	if err != nil {
		t.Fatal(err)
	}
	catchable := *deny
	catchable.CatchableDenials = true
	tests := []struct {
		src  string
		pol  *policy.Policy
		kind string
		want any
	}{
		{"return host.t.echo('a')", deny, "ok", "a"},
		{"return host.t.keys({a = 1})", deny, "denied", nil},
		{"return host.t.echo('secret')", deny, "denied", nil},
		{"local ok = pcall(host.t.echo, 'secret') return 'caught'", deny, "denied", nil},
		{"return host.t.echo('a')", nil, "denied", nil},
		{"local ok, e = pcall(host.t.echo, 'secret') return ok", &catchable, "ok", false},
		{"return host.t.echo('secret')", &catchable, "denied", nil},
	}
	for _, tt := range tests {
		res, err := run(t, h, tt.src, engine.RunOptions{Policy: tt.pol})
		if got := kindOf(err); got != tt.kind {
			t.Errorf("%s: kind = %s (%v), want %s", tt.src, got, err, tt.kind)
			continue
		}
		var e *engine.Error
		if errors.As(err, &e) && e.Capability == "" {
			t.Errorf("%s: no capability in %v", tt.src, err)
		}
		if err == nil && res.Value != tt.want {
			t.Errorf("%s: got %v, want %v", tt.src, res.Value, tt.want)
		}
	}
}

func TestErrors(t *testing.T) {
	h := newHost(t)
	tests := []struct{ src, kind, pos, msg string }{
		{"local x = 1\nerror('boom')", "runtime", "t.lua:2", "boom"},
		{"local function f()\n  error({message = 'obj'})\nend\nf()", "runtime", "t.lua:2", `{"message":"obj"}`},
		{"local x = nil\nreturn x.y", "runtime", "t.lua:2", ""},
		{"return 1 +", "compile", "t.lua:1:11", ""},
		{"local x = 1\nlocal y = = 2", "compile", "t.lua:2:11", ""},
		{"\x1bLua", "compile", "t.lua:1", ""},
		{"for i = 1, 10 do\n  break\n  x = 1\nend", "compile", "", ""},
		{"goto nowhere", "compile", "", ""},
		{strings.Repeat("(", 100000) + "1" + strings.Repeat(")", 100000), "compile", "", ""},
		{strings.Repeat("do ", 100000) + strings.Repeat("end ", 100000), "compile", "", ""},
		{"return " + strings.Repeat("{", 100000), "compile", "", ""},
	}
	for _, tt := range tests {
		_, err := run(t, h, tt.src, engine.RunOptions{})
		var e *engine.Error
		if !errors.As(err, &e) {
			t.Errorf("%q: err = %v, want *engine.Error", tt.src, err)
			continue
		}
		if string(e.Kind) != tt.kind || tt.pos != "" && e.Pos.String() != tt.pos || tt.msg != "" && e.Message != tt.msg {
			t.Errorf("%q: got kind=%s pos=%q msg=%q, want %s %q %q", tt.src, e.Kind, e.Pos, e.Message, tt.kind, tt.pos, tt.msg)
		}
	}
}

func TestStackTrace(t *testing.T) {
	h := newHost(t)
	_, err := run(t, h, "local function inner()\n  error('x')\nend\nlocal function outer()\n  inner()\nend\nouter()", engine.RunOptions{})
	var e *engine.Error
	if !errors.As(err, &e) {
		t.Fatal(err)
	}
	at := func(line int) loc.Pos { return loc.Pos{File: "t.lua", Line: line} }
	want := []loc.Frame{{Func: "inner", Pos: at(2)}, {Func: "outer", Pos: at(5)}, {Func: "main chunk", Pos: at(7)}}
	if diff := cmp.Diff(want, e.Stack); diff != "" {
		t.Errorf("stack (-want +got):\n%s", diff)
	}
}

func TestPrintAndRandom(t *testing.T) {
	h := newHost(t)
	res, err := run(t, h, "print('a', 1, nil, true) return {math.random(), math.random(10), math.random(5, 6)}", engine.RunOptions{Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]engine.LogLine{{Level: "info", Message: "a\t1\tnil\ttrue"}}, res.Logs); diff != "" {
		t.Errorf("logs (-want +got):\n%s", diff)
	}
	res2, err := run(t, h, "print('a', 1, nil, true) return {math.random(), math.random(10), math.random(5, 6)}", engine.RunOptions{Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(res.Value, res2.Value); diff != "" {
		t.Errorf("same seed, different random numbers:\n%s", diff)
	}
	res3, _ := run(t, h, "math.randomseed(1) local a = math.random() math.randomseed(1) return a == math.random()", engine.RunOptions{})
	if res3.Value != true {
		t.Errorf("randomseed does not reseed deterministically")
	}
	_, err = run(t, h, "while true do print(string.rep('x', 1000)) end", engine.RunOptions{})
	if kindOf(err) != "limit:logs" {
		t.Errorf("log flood: %v, want limit logs", err)
	}
}

func TestCoroutineCap(t *testing.T) {
	h := newHost(t)
	_, err := run(t, h, "local t = {} for i = 1, 1000 do t[i] = coroutine.create(function() coroutine.yield() end) coroutine.resume(t[i]) end", engine.RunOptions{})
	if kindOf(err) != "runtime" || !strings.Contains(err.Error(), "too many live coroutines") {
		t.Errorf("got %v, want too many live coroutines", err)
	}
	res, err := run(t, h, "local n = 0 for i = 1, 1000 do local co = coroutine.wrap(function() return 1 end) n = n + co() end return n", engine.RunOptions{})
	if err != nil || res.Value != int64(1000) {
		t.Errorf("finished coroutines count as live: %v %v", res.Value, err)
	}
}

func TestMemory(t *testing.T) {
	h := newHost(t)
	for _, src := range []string{
		"return string.rep('x', 2^31)",
		"return ('x'):rep(1e8)",
		"local t = {} for i = 1, 100 do t[i] = string.rep('x', 1e6) end return #table.concat(t, string.rep('y', 1e6))",
	} {
		_, err := run(t, h, src, engine.RunOptions{Budget: limits.Budget{Memory: 50 << 20}})
		if kindOf(err) != "limit:memory" {
			t.Errorf("%s: %v, want limit memory", src, err)
		}
	}
}

func TestCancelAndTimeout(t *testing.T) {
	h := newHost(t)
	s, err := h.Compile(engine.Source{Name: "t.lua", Lang: "lua", Code: "while true do end"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = h.Run(context.Background(), s, engine.RunOptions{Budget: limits.Budget{Steps: 1 << 40, Timeout: 50 * time.Millisecond, CPU: 10 * time.Second}})
	if kindOf(err) != "limit:timeout" {
		t.Errorf("timeout: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	_, err = h.Run(ctx, s, engine.RunOptions{Budget: limits.Budget{Steps: 1 << 40, CPU: 10 * time.Second}})
	if kindOf(err) != "limit:timeout" {
		t.Errorf("ctx deadline: %v", err)
	}
}

func TestConcurrentRuns(t *testing.T) {
	h := newHost(t)
	pol := allowAll(t, false)
	s, err := h.Compile(engine.Source{Name: "t.lua", Lang: "lua", Code: `
local s = 0
for i = 1, 1000 do s = s + i end
x = (x or 0) + 1
getmetatable('').__index.len = nil
return {s, host.t.echo(input.n), x}`})
	if err != nil {
		t.Fatal(err)
	}
	loop, _ := h.Compile(engine.Source{Name: "l.lua", Lang: "lua", Code: "while true do end"})
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if i%10 == 0 {
				_, err := h.Run(context.Background(), loop, engine.RunOptions{Budget: limits.Budget{Steps: 10000}})
				if kindOf(err) != "limit:steps" {
					errs <- fmt.Errorf("loop: %v", err)
				}
				return
			}
			res, err := h.Run(context.Background(), s, engine.RunOptions{Input: map[string]any{"n": int64(i)}, Policy: pol})
			if err != nil {
				errs <- err
				return
			}
			want := []any{int64(500500), int64(i), int64(1)}
			if diff := cmp.Diff(want, res.Value); diff != "" {
				errs <- fmt.Errorf("run %d: %s", i, diff)
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestPatchedFidelity covers what the patched gopher-lua fixed for the
// host: each case ran differently on the host than on Lua 5.1.
func TestPatchedFidelity(t *testing.T) {
	h := newHost(t)
	tests := []struct{ name, src, want string }{
		{"tostring of a built-in", `return (tostring(print):match("^function: "))`, "function: "},
		{"math.random over the int64 range", `local x = math.random(-2^62, 2^62) return x >= -2^62 and x <= 2^62`, "true"},
		{"closure after a caught error (closure.lua:118)", `
			local b
			local function f(x) local a = "xuxu" b = function(op, y) if op == "set" then a = x + y else return a end end error("e") end
			pcall(f, 4)
			local pad = {pcall(function(...) return ... end, 1, 2, 3, 4, 5)}
			b("set", 10) return b("get")`, "14"},
		{"live local after a caught error", `local x = 1 local function get() return x end pcall(error, "e") x = 2 return get()`, "2"},
		{"far integer key", `local t = {} t[67108863] = 1 return #t + t[67108863]`, "1"},
		{"huge unpack is a catchable error", `return (select(2, pcall(unpack, {}, 1, 1e8)))`, "t.lua:1: too many results to unpack"},
		{"string.rep of 5.1 has no separator", `return string.rep("ab", 3, ",")`, "ababab"},
	}
	for _, tt := range tests {
		res, err := run(t, h, tt.src, engine.RunOptions{})
		if err != nil || fmt.Sprint(res.Value) != tt.want {
			t.Errorf("%s: %v, %v; want %s", tt.name, res.Value, err, tt.want)
		}
	}
}

func TestTailCallStack(t *testing.T) {
	h := newHost(t)
	_, err := run(t, h, "local function helper(x)\n  error('bad ' .. x)\nend\nreturn helper(1)", engine.RunOptions{})
	var e *engine.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v", err)
	}
	at2 := loc.Pos{File: "t.lua", Line: 2}
	if diff := cmp.Diff([]loc.Frame{{Func: "<t.lua:1>", Pos: at2}, {Tail: true}}, e.Stack); e.Pos != at2 || diff != "" {
		t.Fatalf("pos %v, stack (-want +got):\n%s", e.Pos, diff)
	}
}

func TestMemoryCharged(t *testing.T) {
	h := newHost(t)
	for _, src := range []string{
		`local s = "x" while true do pcall(function() s = s .. s end) end`,
		`local t = {} local i = 0 while true do i = i + 1 t["k" .. i] = i end`,
		`local s = string.rep("x", 1e6) local t = {} for i = 1, 1e4 do t[i] = s:upper() end`,
		`local s = string.rep("ab", 1e6) while true do s = s:gsub("a", "aa") end`,
	} {
		_, err := run(t, h, src, engine.RunOptions{Budget: limits.Budget{Memory: 8 << 20, Steps: 1 << 40, Timeout: time.Minute, CPU: time.Minute}})
		if got := kindOf(err); got != "limit:memory" {
			t.Errorf("%s: %s (%v), want limit memory", src, got, err)
		}
	}
}

// mallocs returns how many heap allocations fn made.
func mallocs(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.Mallocs - before.Mallocs
}

// An endless chain of proper tail calls leaves one (frameless) stack level
// per call. Stopping it, by the step budget or by an interrupt (timeout,
// cancel), must not walk those levels: the run ends with the right error
// and its stack, and what it allocates stays a small fraction of the steps
// it ran (no per-call garbage on the tail-call or the halt path).
func TestTailCallLoopStops(t *testing.T) {
	const src = "local function f(n) if n == 1000 then host.t.stop() end return f(n + 1) end return f(0)"
	var cancel context.CancelFunc
	h, err := engine.NewHost(engine.Config{Backends: []engine.Backend{lua.New()}, Modules: []*bridge.Module{{
		Name: "t",
		Funcs: []*bridge.Func{{Name: "stop", Impl: func(context.Context, bridge.Args) (any, error) {
			if cancel != nil {
				go cancel() // after the call returns, most likely: the VM's interrupt stops the run
			}
			return nil, nil
		}}},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	pol := allowAll(t, false)
	s, err := h.Compile(engine.Source{Name: "t.lua", Lang: "lua", Code: src})
	if err != nil {
		t.Fatal(err)
	}
	ctx, c := context.WithCancel(context.Background())
	defer c()
	unlimited := limits.Budget{Steps: 1 << 50, CPU: time.Hour, Timeout: time.Hour}
	for _, tt := range []struct {
		name   string
		ctx    context.Context
		budget limits.Budget
		want   func(error) bool
	}{
		{"steps", context.Background(), limits.Budget{Steps: 4_000_000, CPU: time.Minute, Timeout: time.Minute}, func(err error) bool {
			return kindOf(err) == "limit:steps"
		}},
		{"timeout", context.Background(), limits.Budget{Steps: 1 << 50, CPU: time.Hour, Timeout: 50 * time.Millisecond}, func(err error) bool {
			return kindOf(err) == "limit:timeout"
		}},
		{"cancel", ctx, unlimited, func(err error) bool {
			var ce *limits.CanceledError
			return errors.As(err, &ce)
		}},
	} {
		if tt.name == "cancel" {
			cancel = c
		}
		var res *engine.Result
		allocs := mallocs(func() { res, err = h.Run(tt.ctx, s, engine.RunOptions{Policy: pol, Budget: tt.budget}) })
		var e *engine.Error
		if !tt.want(err) || !errors.As(err, &e) {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		steps := res.Usage.Steps
		if tt.name == "steps" && steps != tt.budget.Steps+1 { // the step that went over
			t.Errorf("steps: used %d of %d", steps, tt.budget.Steps)
		}
		if steps < 1000 || steps >= 1<<50 { // it ran the 1000 calls, and it stopped
			t.Errorf("%s: stopped after %d steps", tt.name, steps)
		}
		if e.Pos.String() != "t.lua:1" || strings.Join(loc.Strings(e.Stack), "|") != "<t.lua:1> (t.lua:1)|(tail call)" {
			t.Errorf("%s: pos %v stack %q", tt.name, e.Pos, loc.Strings(e.Stack))
		}
		if allocs > 20000+uint64(steps)/50 {
			t.Errorf("%s: %d allocations for %d steps: the tail calls or the stop allocate per call", tt.name, allocs, steps)
		}
		t.Logf("%s: %d steps, %d allocations", tt.name, steps, allocs)
	}
}

// The frames below a long run of replaced calls are found (the stack skips
// the run without walking it level by level).
func TestTailCallRunSkipped(t *testing.T) {
	h := newHost(t)
	for _, n := range []int{1, 2, 3, 7, 100, 65537, 1000000} {
		src := fmt.Sprintf(`local function g(n) if n == 0 then error('x') end return g(n - 1) end
local function h() local r = g(%d) return r end
local r = h() return r`, n)
		_, err := run(t, h, src, engine.RunOptions{})
		var e *engine.Error
		if !errors.As(err, &e) {
			t.Fatalf("%d: %v", n, err)
		}
		if want := "<t.lua:1> (t.lua:1)|(tail call)|h (t.lua:2)|main chunk (t.lua:3)"; strings.Join(loc.Strings(e.Stack), "|") != want {
			t.Errorf("%d tail calls: stack %q, want %q", n, loc.Strings(e.Stack), want)
		}
	}
}
