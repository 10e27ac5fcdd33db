package lua

import "testing"

// TestOnThreadError checks that the hook sees the coroutine's frames as they
// were when the error was raised, for errors of the VM and of error().
func TestOnThreadError(t *testing.T) {
	for src, want := range map[string]int{
		"local co = coroutine.create(function()\n  coroutine.yield()\n  local x = nil\n  return x.y\nend)\ncoroutine.resume(co)\ncoroutine.resume(co)": 4,
		"local co = coroutine.wrap(function()\n  error('x')\nend)\npcall(co)":                                                                          2,
	} {
		L := NewState()
		line := 0
		L.OnThreadError(func(co *LState, err LValue) {
			for i := 0; ; i++ {
				dbg, ok := co.GetStack(i)
				if !ok {
					break
				}
				if _, err := co.GetInfo("Sl", dbg, LNil); err == nil && dbg.CurrentLine > 0 {
					line = dbg.CurrentLine
					break
				}
			}
		})
		if err := L.DoString(src); err != nil {
			t.Fatal(err)
		}
		L.Close()
		if line != want {
			t.Errorf("%q: line %d, want %d", src, line, want)
		}
	}
}
