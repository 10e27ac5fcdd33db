package goja

import (
	"strings"
	"testing"
)

func TestLazyObject(t *testing.T) {
	vm := New()
	var made []string
	names := []string{"b", "a", "fn", "b"}
	mk := func(writable, enumerable, configurable bool) *Object {
		return vm.NewLazyObject(names, func(i int) Value {
			made = append(made, names[i])
			if names[i] == "fn" {
				return vm.ToValue(func(FunctionCall) Value { return vm.ToValue("called") })
			}
			return vm.ToValue(names[i] + "!")
		}, writable, enumerable, configurable)
	}
	_ = vm.Set("o", mk(false, true, false))
	if len(made) != 0 {
		t.Fatalf("made %v before any use", made)
	}
	v, err := vm.RunString(`o.fn()`)
	if err != nil || v.String() != "called" || strings.Join(made, ",") != "fn" {
		t.Fatalf("o.fn(): got %v, %v, made %v", v, err, made)
	}
	for _, c := range []struct{ src, want string }{
		{`Object.keys(o).join()`, "b,a,fn"},
		{`JSON.stringify(o)`, `{"b":"b!","a":"a!"}`},
		{`Object.getPrototypeOf(o) === Object.prototype`, "true"},
		{`JSON.stringify(Object.getOwnPropertyDescriptor(o, "a"))`, `{"value":"a!","writable":false,"enumerable":true,"configurable":false}`},
		{`"use strict"; try { o.a = 1; "assigned" } catch (e) { e instanceof TypeError }`, "true"},
		{`delete o.b`, "false"},
		{`o.extra = 1; Object.keys(o).join()`, "b,a,fn,extra"},
		{`Object.freeze(o); Object.isFrozen(o)`, "true"},
		{`"missing" in o`, "false"},
		{`o.hasOwnProperty("fn")`, "true"},
	} {
		v, err := vm.RunString(c.src)
		if err != nil || v.String() != c.want {
			t.Errorf("%s: got %v, %v, want %s", c.src, v, err, c.want)
		}
	}
	// Each value is made once.
	if got := strings.Join(made, ","); got != "fn,b,a" && got != "fn,a,b" { // Object.keys makes b and a in either order
		t.Errorf("made %s, want fn, then b and a once each", got)
	}

	// Writable and configurable properties behave as such.
	made = nil
	_ = vm.Set("w", mk(true, false, true))
	v, err = vm.RunString(`w.a = 1; delete w.b; [w.a, "b" in w, Object.keys(w).length, Object.getOwnPropertyNames(w).join()].join()`)
	if err != nil || v.String() != "1,false,0,a,fn" {
		t.Errorf("writable: got %v, %v", v, err)
	}
	if got := strings.Join(made, ","); got != "a,b,fn" { // Object.keys makes the rest
		t.Errorf("writable: made %s, want a,b,fn", got)
	}
}
