package lua_test

import (
	"context"
	"testing"
	"time"

	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/engine/lua"
	"github.com/scriptrun/scriptrun/limits"
)

// FuzzRun compiles and runs arbitrary source under small budgets: whatever
// the script, the run ends with a result or an error of a script-facing
// kind, never internal (a Go panic inside the interpreter or the backend).
func FuzzRun(f *testing.F) {
	for _, s := range []string{
		"return 1", "local t = {} t[1e9] = 1 return #t", "return ('x'):rep(1e9)",
		"return string.gsub('abc', '%w', '%0%0')", "return unpack({}, 1, 1e8)",
		"local s = 'x' while true do s = s .. s end", "return ('a'):rep(100):find('.-.-b')",
		"return select('#', ...)", "return table.concat({1, 2, 3}, ',')",
		"local co = coroutine.wrap(function(...) return coroutine.yield(...) end) return co(1)",
		"return setmetatable({}, {__index = function(t, k) return k end}).x",
		"return string.format('%5.2f %q %x', 1.5, 'a\\n', 255)",
		"for w in ('a b c'):gmatch('%a') do end return math.random(1, 10)",
		"return tostring(print), pcall(error, {})",
		"local co = coroutine.create(function(a) return coroutine.yield(a) end) coroutine.resume(co, 1) return coroutine.resume(co, 2)",
		"local co = coroutine.wrap(function() local ok, e = pcall(coroutine.yield, 1) return e end) co() return co(2)",
	} {
		f.Add(s)
	}
	h, err := engine.NewHost(engine.Config{Backends: []engine.Backend{lua.New()}})
	if err != nil {
		f.Fatal(err)
	}
	budget := limits.Budget{Steps: 200_000, Memory: 16 << 20, Timeout: 5 * time.Second, CPU: 5 * time.Second, StackDepth: 200}
	f.Fuzz(func(t *testing.T, src string) {
		s, err := h.Compile(engine.Source{Name: "f.lua", Lang: "lua", Code: src})
		if err != nil {
			return
		}
		_, err = h.Run(context.Background(), s, engine.RunOptions{Budget: budget})
		if k := kindOf(err); k == "internal" || k == "not *engine.Error" {
			t.Fatalf("%s: %v", k, err)
		}
	})
}
