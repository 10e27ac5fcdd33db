package lua

import (
	"errors"
	"testing"
)

// TestGoPanicHalts: in a metered state a Go panic inside the VM halts it:
// pcall, xpcall and coroutines do not catch it, no Lua code sees its text,
// and Halted says what panicked.
func TestGoPanicHalts(t *testing.T) {
	for _, src := range []string{
		`boom()`,
		`local ok, msg = pcall(boom) seen = msg`,
		`xpcall(boom, function(m) seen = m return m end)`,
		`local co = coroutine.create(function() boom() end) local ok, msg = coroutine.resume(co) seen = msg`,
		`local ok, msg = pcall(function() local co = coroutine.wrap(boom) co() end) seen = msg`,
	} {
		L := NewState()
		L.SetStepMeter(nil)
		L.SetGlobal("boom", L.NewFunction(func(L *LState) int {
			var s []int
			return s[L.GetTop()+3] // a Go runtime panic
		}))
		err := L.DoString(src)
		var gp *GoPanicError
		if err == nil || !errors.As(L.Halted(), &gp) {
			t.Errorf("%s: err %v, halted %v; want a halt with a GoPanicError", src, err, L.Halted())
		}
		if seen := L.GetGlobal("seen"); seen != LNil {
			t.Errorf("%s: the script saw %v", src, seen)
		}
		L.Close()
	}
	// Unmetered states keep upstream's behaviour: pcall catches it.
	L := NewState()
	defer L.Close()
	L.SetGlobal("boom", L.NewFunction(func(L *LState) int { panic("go") }))
	if err := L.DoString(`local ok = pcall(boom) assert(not ok)`); err != nil || L.Halted() != nil {
		t.Errorf("unmetered: %v, halted %v", err, L.Halted())
	}
}
