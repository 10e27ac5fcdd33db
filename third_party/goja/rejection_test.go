package goja

import "testing"

// TestRejectionStack checks that a value thrown after an await keeps where
// it was thrown, through the async functions that await it.
func TestRejectionStack(t *testing.T) {
	for src, want := range map[string]int{
		"async function f() {\n  await null\n  throw {code: 1}\n}\nasync function g() { await f() }\ng()": 3,
		"Promise.resolve().then(() => {\n  throw 'x'\n})":                                                 2,
		"async function f() {\n  await null\n  try { throw 1 } catch (e) {}\n  throw 2\n}\nf()":           4,
	} {
		r := New()
		v, err := r.RunString(src)
		if err != nil {
			t.Fatal(err)
		}
		p := v.Export().(*Promise)
		if p.State() != PromiseStateRejected {
			t.Fatalf("%q: promise %v", src, p.State())
		}
		stack := r.RejectionStack(p.Result())
		if len(stack) == 0 || stack[0].Position().Line != want {
			t.Errorf("%q: stack %v, want line %d first", src, stack, want)
		}
	}
	if r := New(); r.RejectionStack(r.ToValue(1)) != nil {
		t.Error("a stack without a rejection")
	}
}
