package js_test

import (
	"context"
	"testing"

	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/engine/js"
	"github.com/scriptrun/scriptrun/limits"
)

func TestSmoke(t *testing.T) {
	h, err := engine.NewHost(engine.Config{Backends: []engine.Backend{js.New()}})
	if err != nil {
		t.Fatal(err)
	}
	for _, src := range []string{
		"return 1+1",
		"return input.a * 2",
		"let s = 0; for (let i = 0; i < 10; i++) s += i; return s",
		"while(true){}",
		"function f(){ return f() } return f()",
		"try { while(true){} } catch(e) { return 'caught' } finally { return 'finally' }",
		"return await Promise.resolve(5)",
		"Promise.resolve().then(() => { while(true){} }); return 1",
		"return (function(){}).constructor('return 1')()",
		"return eval('1')",
		"throw new Error('boom')",
		"x.y",
		"return {a: [1, 2.5, 'x', null, true], b: {c: 1}}",
		"return 'ab'.repeat(2**62)",
		"syntax error here",
		"}, function(){",
		"with({}) {}",
		"console.log('hi', {a: 1}); return 1",
	} {
		s, err := h.Compile(engine.Source{Name: "t.js", Lang: "js", Code: src})
		if err != nil {
			t.Logf("%q: compile: %v", src, err)
			continue
		}
		res, err := h.Run(context.Background(), s, engine.RunOptions{Input: map[string]any{"a": int64(21)}, Budget: limits.Budget{Steps: 100000}})
		t.Logf("%q: %#v %+v %v", src, res.Value, res.Usage, err)
		if e, ok := err.(*engine.Error); ok {
			t.Logf("   kind=%s limit=%s pos=%s stack=%v", e.Kind, e.Limit, e.Pos, e.Stack)
		}
	}
}
