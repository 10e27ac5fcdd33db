package js_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/limits"
)

// FuzzRun compiles and runs arbitrary source under a tight budget. Whatever
// the source, the host must not crash, and the only acceptable outcomes are
// a result or an error of a script kind: an internal error is a finding.
func FuzzRun(f *testing.F) {
	for _, s := range []string{
		"return 1+1",
		"while(true){}",
		"function f(){return f()} f()",
		"return (function(){}).constructor('1')",
		"return [1,{a:'x'}]",
		"return 'ab'.repeat(2**40)",
		"return await Promise.resolve(1)",
		"class A { static { for(;;){} } }",
		"((((((((((1))))))))))",
		"`${`${`${1}`}`}`",
		"/(a+)+$/.test('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!')",
	} {
		f.Add(s)
	}
	h := newHost(f)
	pol := mustPolicy(f, testPolicy)
	f.Fuzz(func(t *testing.T, src string) {
		s, err := h.Compile(engine.Source{Name: "f.js", Lang: "js", Code: src})
		if err != nil {
			checkKind(t, src, err)
			return
		}
		_, err = h.Run(context.Background(), s, engine.RunOptions{Policy: pol,
			Budget: limits.Budget{Steps: 20000, Timeout: 200 * time.Millisecond, Memory: 8 << 20, Output: 64 << 10}})
		if err != nil {
			checkKind(t, src, err)
		}
	})
}

func checkKind(t *testing.T, src string, err error) {
	var e *engine.Error
	if !errors.As(err, &e) {
		t.Fatalf("%q: error of type %T: %v", src, err, err)
	}
	if e.Kind == engine.KindInternal {
		t.Fatalf("%q: internal error: %v (%v)", src, err, e.Err)
	}
}
