package goja

import (
	"strconv"
	"testing"
)

func TestIntrinsicErrors(t *testing.T) {
	vm := New()
	if _, err := vm.RunString(`Error = RangeError = function() { throw "replaced" }`); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		o    *Object
		want string
	}{
		{vm.NewError("a 100% message"), "Error"},
		{vm.NewRangeError("too far"), "RangeError"},
	} {
		_ = vm.Set("e", c.o)
		v, err := vm.RunString(`[Object.getPrototypeOf(e).constructor.name, e.message, e instanceof Object.getPrototypeOf(e).constructor].join()`)
		if err != nil {
			t.Fatal(err)
		}
		msg := map[string]string{"Error": "a 100% message", "RangeError": "too far"}[c.want]
		if got, want := v.String(), c.want+","+msg+",true"; got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	}
}

func TestOwnDataProperty(t *testing.T) {
	vm := New()
	_, err := vm.RunString(`var calls = 0;
	var o = Object.create({inherited: 1}, {
		plain: {value: "p", writable: true, enumerable: true, configurable: true},
		fixed: {value: "f"},
		undef: {value: undefined},
		getter: {get() { calls++; return "g" }},
	});
	o.added = 2;
	var p = new Proxy({plain: "x"}, {getOwnPropertyDescriptor() { calls++ }, get() { calls++ }});
	var objs = [o, p, new Error("m"), [7]]`)
	if err != nil {
		t.Fatal(err)
	}
	objs := vm.Get("objs").(*Object)
	get := func(i int) *Object { return objs.Get(strconv.Itoa(i)).(*Object) }
	for _, c := range []struct {
		o    *Object
		name string
		want Value // nil: no data property
	}{
		{get(0), "plain", newStringValue("p")},
		{get(0), "fixed", newStringValue("f")},
		{get(0), "undef", _undefined},
		{get(0), "added", valueInt(2)},
		{get(0), "getter", nil},
		{get(0), "inherited", nil},
		{get(0), "missing", nil},
		{get(1), "plain", nil},
		{get(2), "message", newStringValue("m")},
		{get(3), "0", valueInt(7)},
		{get(3), "length", valueInt(1)},
	} {
		got, ok := c.o.OwnDataProperty(c.name)
		if ok != (c.want != nil) || ok && !got.SameAs(c.want) {
			t.Errorf("%s: got %v, %v, want %v", c.name, got, ok, c.want)
		}
	}
	if calls := vm.Get("calls").ToInteger(); calls != 0 {
		t.Errorf("ran script code %d times", calls)
	}
}
