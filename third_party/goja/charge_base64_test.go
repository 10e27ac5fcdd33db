package goja

import (
	"errors"
	"testing"
)

// TestChargeBase64Hex: Uint8Array's base64 and hex conversions charge what
// they allocate to the memory meter, and their string results are capped.
func TestChargeBase64Hex(t *testing.T) {
	for _, src := range []string{
		"new Uint8Array(3 << 20).toBase64()",
		"new Uint8Array(2 << 20).toHex()",
		"Uint8Array.fromHex('00'.repeat(4 << 20))",
		"Uint8Array.fromBase64('AAAA'.repeat(2 << 20))",
	} {
		r := New()
		var charged int64
		r.SetMemoryMeter(func(n int64) error { charged += n; return nil })
		if _, err := r.RunString(src); err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if charged < 4<<20 {
			t.Errorf("%s charged %d bytes, want at least 4 MiB", src, charged)
		}
	}
	r := New()
	r.SetLimits(Limits{MaxStringLen: 1 << 20})
	_, err := r.RunString("new Uint8Array(1 << 20).toHex()")
	var ex *Exception
	if !errors.As(err, &ex) || ex.Value().ToObject(r).Get("name").String() != "RangeError" {
		t.Errorf("toHex over the string limit: %v, want a RangeError", err)
	}
}
