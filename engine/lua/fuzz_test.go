package lua_test

import (
	"errors"
	"testing"

	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/engine/lua"
)

func FuzzCompile(f *testing.F) {
	for _, s := range []string{
		"return 1", "local x = {", "\x1bLua", "goto x", "::a:: ::a::", "return ...",
		"for i = 1, 2 do break break end", "local function f(...) return ... end",
		"x = [[", "x = [==[ ]==]", "return 0x", "return '\\999'", "a.b:c'd'{e}",
		"return function() return function() return function() end end end",
	} {
		f.Add(s)
	}
	b := lua.New()
	f.Fuzz(func(t *testing.T, src string) {
		p, err := b.Compile(engine.Source{Name: "f.lua", Lang: "lua", Code: src},
			engine.CompileLimits{MaxSource: 1 << 16, MaxNesting: 64})
		if err != nil {
			var e *engine.Error
			if !errors.As(err, &e) {
				t.Fatalf("error is %T, want *engine.Error", err)
			}
			if e.Kind == engine.KindInternal {
				t.Fatalf("internal error: %v", err)
			}
			return
		}
		if p == nil {
			t.Fatal("nil program without error")
		}
	})
}
