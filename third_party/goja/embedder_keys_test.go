package goja

import (
	"slices"
	"testing"
)

func TestEachOwnKey(t *testing.T) {
	vm := New()
	_, err := vm.RunString(`
		var calls = 0;
		var o = {b: 1, a: 2, 1: 3};
		Object.defineProperty(o, "hidden", {value: 4, enumerable: false});
		Object.defineProperty(o, "g", {get() { calls++; return 5 }, enumerable: true});
		var p = new Proxy(o, {ownKeys() { calls++; return ["x"] }});`)
	if err != nil {
		t.Fatal(err)
	}
	o, p := vm.Get("o").(*Object), vm.Get("p").(*Object)
	var got []string
	o.EachOwnKey(func(k string) bool { got = append(got, k); return true })
	if want := o.Keys(); !slices.Equal(got, want) {
		t.Errorf("keys = %q, want %q", got, want)
	}
	got = nil
	o.EachOwnKey(func(k string) bool { got = append(got, k); return len(got) < 2 })
	if want := []string{"1", "b"}; !slices.Equal(got, want) {
		t.Errorf("stopped keys = %q, want %q", got, want)
	}
	p.EachOwnKey(func(k string) bool { t.Errorf("proxy key %q", k); return true })
	if calls := vm.Get("calls").ToInteger(); calls != 0 {
		t.Errorf("%d calls into script code, want 0", calls)
	}
}
