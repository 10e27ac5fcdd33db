package goja

import "testing"

func TestEmbedderBuiltins(t *testing.T) {
	r := New()
	if _, err := r.RunString(`Object.freeze = function(o) { return o }; Uint8Array = function() { throw new Error("fake") };`); err != nil {
		t.Fatal(err)
	}
	o := r.NewObject()
	_ = o.Set("a", 1)
	if err := o.Freeze(); err != nil {
		t.Fatal(err)
	}
	u := r.NewUint8Array([]byte{1, 2, 3})
	_ = r.Set("o", o)
	_ = r.Set("u", u)
	v, err := r.RunString(`"use strict"; var e = ""; try { o.a = 2 } catch (x) { e = x.name }
		[Object.isFrozen(o), e, u.length, u[2], Object.prototype.toString.call(u), u.toHex()].join()`)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := v.String(), "true,TypeError,3,3,[object Uint8Array],010203"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
