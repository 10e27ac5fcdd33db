package lua_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/limits"
)

// An error value that is a table is described as JSON of its raw contents,
// as engine/js describes a thrown object: no metamethod runs (__index,
// __pairs, __tostring, __len) and the size is bounded.
func TestErrorTableJSON(t *testing.T) {
	t.Parallel()
	h := newHost(t)
	for _, tt := range []struct{ src, want string }{
		{`error({code = 42})`, `{"code":42}`},
		{`error({message = "obj"})`, `{"message":"obj"}`},
		{`error({1, "a\n", 2.5, true, {b = "<&>"}})`, `[1,"a\n",2.5,true,{"b":"<&>"}]`},
		{`error({1, nil, 3})`, `[1,null,3]`},
		{`error({})`, `{}`},
		{`error({[1] = "a", [3] = "c"})`, `["a",null,"c"]`},
		{`error({[1] = "a", [10] = "c", x = 1})`, `{"1":"a","10":"c","x":1}`},
		{`error({f = print, t = coroutine.create(function() end), n = 0/0, [true] = 1, [print] = 2})`,
			`{"f":"[function]","t":"[thread]","n":null,"true":1}`},
		{`error(setmetatable({x = 1}, {__index = function() ran = 1 end, __pairs = function() ran = 1 end,
			__tostring = function() ran = 1 return "no" end, __len = function() ran = 1 return 9 end}))`, `{"x":1}`},
		{`local t = {} t.self = t error(t)`, `{"self":{"self":{"self":{"self":{"self":{"self":{"self":{"self":"[table]"}}}}}}}}`},
		{`error({s = "a\255"})`, `{"s":"a\\xff"}`},
	} {
		_, err := run(t, h, tt.src, engine.RunOptions{})
		var e *engine.Error
		if !errors.As(err, &e) || e.Kind != engine.KindRuntime || e.Message != tt.want {
			t.Errorf("%s: got %v, want runtime error %q", tt.src, err, tt.want)
		}
	}
	// Big values are cut: many keys, a long list, a long string.
	for _, src := range []string{
		`local t = {} for i = 1, 200000 do t["k" .. i] = i end error(t)`,
		`local t = {} for i = 1, 200000 do t[i] = i end error(t)`,
		`local t = {} for i = 1, 200000 do t["k" .. i] = i end for i = 1, 199990 do t["k" .. i] = nil end error(t)`,
		`error({s = string.rep("é", 100000)})`,
	} {
		opts := engine.RunOptions{Budget: limits.Budget{CPU: time.Minute, Timeout: time.Minute, Memory: 1 << 30}}
		_, err := run(t, h, src, opts)
		var e *engine.Error
		if !errors.As(err, &e) || e.Kind != engine.KindRuntime || len(e.Message) > 1100 {
			t.Errorf("%.60s: got %.100v, want a runtime error of at most 1100 bytes", src, err)
			continue
		}
		if src != `local t = {} for i = 1, 200000 do t["k" .. i] = i end for i = 1, 199990 do t["k" .. i] = nil end error(t)` && !strings.HasSuffix(e.Message, "...") {
			t.Errorf("%.60s: %q does not end in ...", src, e.Message)
		}
	}
}
