package lua

import (
	"errors"
	"strings"
	"testing"
	"time"
)

var errBudget = errors.New("step budget used up")

// budgetMeter grants steps in batches of batch out of a total of limit.
func budgetMeter(limit, batch int64, used *int64) StepMeter {
	return func(n int64) (int64, error) {
		*used += n
		if *used > limit {
			return 0, errBudget
		}
		return min(limit-*used, batch), nil
	}
}

func runMetered(t *testing.T, src string, limit, batch int64) (*LState, int64, error) {
	t.Helper()
	L := NewState()
	t.Cleanup(L.Close)
	var used int64
	L.SetStepMeter(budgetMeter(limit, batch, &used))
	err := L.DoString(src)
	return L, used, err
}

func TestMeterExactCount(t *testing.T) {
	const src = `local s = 0 for i = 1, 10000 do s = s + i end`
	var counts []int64
	for _, batch := range []int64{1, 7, 1000, 1 << 40} {
		L, _, err := runMetered(t, src, 1<<50, batch)
		if err != nil {
			t.Fatalf("batch %d: %v", batch, err)
		}
		counts = append(counts, L.Steps())
	}
	for _, c := range counts[1:] {
		if c != counts[0] {
			t.Fatalf("step counts differ by batch size: %v", counts)
		}
	}
	if counts[0] < 20000 || counts[0] > 20010 {
		t.Fatalf("steps = %d, want about 2 per iteration", counts[0])
	}
}

func TestMeterBudgetStops(t *testing.T) {
	L, used, err := runMetered(t, `while true do end`, 5000, 100)
	var ae *ApiError
	if !errors.As(err, &ae) || !errors.Is(ae.Cause, errBudget) {
		t.Fatalf("err = %v, want the meter's error as Cause", err)
	}
	if used != 5001 || L.Steps() != 5001 {
		t.Fatalf("used %d, Steps %d; want 5001 (the step that went over)", used, L.Steps())
	}
	if L.Halted() != errBudget {
		t.Fatalf("Halted() = %v", L.Halted())
	}
}

func TestMeterHaltUncatchable(t *testing.T) {
	for name, src := range map[string]string{
		"pcall":     `while true do pcall(function() while true do end end) end`,
		"xpcall":    `while true do xpcall(function() while true do end end, function(e) while true do end end) end`,
		"coroutine": `while true do coroutine.resume(coroutine.create(function() while true do end end)) end`,
		"wrap":      `while true do pcall(coroutine.wrap(function() while true do end end)) end`,
		"nested": `local function f() local ok = pcall(function() while true do end end) return f() end
			while true do pcall(f) end`,
		"error in loop": `while true do pcall(error, "x") end`,
	} {
		t.Run(name, func(t *testing.T) {
			L, used, err := runMetered(t, src, 100000, 1000)
			var ae *ApiError
			if !errors.As(err, &ae) || !errors.Is(ae.Cause, errBudget) {
				t.Fatalf("err = %v, want the budget error", err)
			}
			if used != 100001 || L.Steps() != 100001 {
				t.Fatalf("used %d, Steps %d, want 100001", used, L.Steps())
			}
		})
	}
}

func TestMeterNativeCharge(t *testing.T) {
	L := NewState()
	defer L.Close()
	var used int64
	L.SetStepMeter(budgetMeter(1000, 100, &used))
	L.SetGlobal("work", L.NewFunction(func(L *LState) int {
		for i := 0; i < L.CheckInt(1); i++ {
			L.ChargeSteps(1)
		}
		return 0
	}))
	if err := L.DoString(`work(500)`); err != nil {
		t.Fatal(err)
	}
	before := L.Steps()
	err := L.DoString(`pcall(work, 1e9)`)
	if err == nil || L.Halted() != errBudget {
		t.Fatalf("err = %v, halted %v", err, L.Halted())
	}
	if before < 500 || L.Steps() != 1001 {
		t.Fatalf("steps before %d, after %d", before, L.Steps())
	}
}

func TestMeterInterrupt(t *testing.T) {
	L := NewState()
	defer L.Close()
	L.SetStepMeter(nil)
	stop := errors.New("stopped from outside")
	go func() {
		time.Sleep(20 * time.Millisecond)
		L.Interrupt(stop)
	}()
	err := L.DoString(`local t = {} while true do pcall(function() for i = 1, 100 do t[i] = i end end) end`)
	var ae *ApiError
	if !errors.As(err, &ae) || ae.Cause != stop {
		t.Fatalf("err = %v, want the interrupt", err)
	}
	if err := L.DoString(`return 1`); err == nil || !strings.Contains(err.Error(), stop.Error()) {
		t.Fatalf("a halted state ran again: %v", err)
	}
}

func TestMeterCoroutinesShareCount(t *testing.T) {
	const body = `local s = 0 for i = 1, 1000 do s = s + i end`
	L1, _, err := runMetered(t, body+" "+body, 1<<50, 100)
	if err != nil {
		t.Fatal(err)
	}
	L2, _, err := runMetered(t, body+` coroutine.wrap(function() `+body+` end)()`, 1<<50, 100)
	if err != nil {
		t.Fatal(err)
	}
	if d := L2.Steps() - L1.Steps(); d < 0 || d > 20 {
		t.Fatalf("steps in a coroutine not counted: %d vs %d", L2.Steps(), L1.Steps())
	}
}

const benchLoop = `local s = 0 for i = 1, 1000000 do s = s + i end`

func BenchmarkLoopUnmetered(b *testing.B) {
	L := NewState()
	defer L.Close()
	fn, _ := L.LoadString(benchLoop)
	for b.Loop() {
		L.Push(fn)
		L.Call(0, 0)
	}
}

func BenchmarkLoopMetered(b *testing.B) {
	L := NewState()
	defer L.Close()
	L.SetStepMeter(func(n int64) (int64, error) { return 10000, nil })
	fn, _ := L.LoadString(benchLoop)
	for b.Loop() {
		L.Push(fn)
		L.Call(0, 0)
	}
}

func TestStackOverflowHalts(t *testing.T) {
	for _, minimize := range []bool{false, true} {
		testStackOverflowHalts(t, minimize)
	}
}

func testStackOverflowHalts(t *testing.T, minimize bool) {
	L := NewState(Options{CallStackSize: 100, MinimizeStackMemory: minimize})
	defer L.Close()
	where := 0
	L.OnHalt(func(L *LState) { where = strings.Count(L.Where(1), ":") })
	errDeep := errors.New("too deep")
	calls := 0
	L.OnStackOverflow(func() error { calls++; return errDeep })
	err := L.DoString(`local function f() return 1 + f() end
		while true do pcall(f) end`)
	var ae *ApiError
	if !errors.As(err, &ae) || ae.Cause != errDeep || calls != 1 {
		t.Fatalf("err = %v, calls %d; want the overflow halt once", err, calls)
	}
	if where == 0 {
		t.Fatalf("OnHalt saw no position (%d)", where)
	}
	L2 := NewState(Options{CallStackSize: 100, MinimizeStackMemory: minimize})
	defer L2.Close()
	if err := L2.DoString(`local function f() return 1 + f() end
		local ok, e = pcall(f) assert(not ok and e:find("stack overflow"))`); err != nil {
		t.Fatalf("without a hook the overflow is catchable: %v", err)
	}
}
