package lua

import "testing"

// TestResumeAfterTailCallYield: a coroutine whose function ends in
// `return coroutine.yield(...)` returns, when resumed, what the resume
// passed, and is then dead (upstream failed with a nil pointer dereference).
func TestResumeAfterTailCallYield(t *testing.T) {
	for _, minimize := range []bool{false, true} {
		L := NewState(Options{MinimizeStackMemory: minimize})
		err := L.DoString(`
			local co = coroutine.create(function(a) return coroutine.yield(a + 1) end)
			local ok, v = coroutine.resume(co, 1)
			assert(ok and v == 2, "first resume")
			local ok2, x, y = coroutine.resume(co, 7, 8)
			assert(ok2 and x == 7 and y == 8, "second resume: " .. tostring(ok2) .. " " .. tostring(x))
			assert(coroutine.status(co) == "dead", coroutine.status(co))
			local ok3, msg = coroutine.resume(co)
			assert(not ok3 and msg == "cannot resume dead coroutine" or msg == "can not resume a dead thread", msg)
			local w = coroutine.wrap(function() return coroutine.yield(5) end)
			assert(w() == 5)
			local r1, r2 = w(9, 10)
			assert(r1 == 9 and r2 == 10, "wrap")`)
		L.Close()
		if err != nil {
			t.Errorf("minimize=%v: %v", minimize, err)
		}
	}
}
