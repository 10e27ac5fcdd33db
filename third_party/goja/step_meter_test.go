package goja

import (
	"errors"
	"testing"
)

var errTestSteps = errors.New("step budget exceeded")

// budgetMeter grants batches of at most batch steps out of budget and fails
// once nothing is left.
func budgetMeter(budget, batch int64, charged *int64) func(int64) (int64, error) {
	left := budget
	return func(used int64) (int64, error) {
		*charged += used
		left -= used
		if left <= 0 {
			return 0, errTestSteps
		}
		return min(batch, left), nil
	}
}

func stepsOf(t *testing.T, src string) int64 {
	t.Helper()
	r := New()
	if _, err := r.RunString(src); err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	return r.StepsUsed()
}

func TestStepsDeterministic(t *testing.T) {
	const src = `
	function fib(n) { return n < 2 ? n : fib(n-1) + fib(n-2) }
	var s = ""; for (var i = 0; i < 100; i++) s += i;
	fib(15) + s.length`
	a, b := stepsOf(t, src), stepsOf(t, src)
	if a != b || a == 0 {
		t.Fatalf("steps %d then %d, want the same non-zero count", a, b)
	}
	if more := stepsOf(t, src+"+1"); more <= a {
		t.Fatalf("a longer script took %d steps, the shorter %d", more, a)
	}
}

func TestStepBudgetExact(t *testing.T) {
	const src = `var x = 0; for (var i = 0; i < 1000; i++) { x += i } x`
	need := stepsOf(t, src)
	for _, batch := range []int64{1, 7, 1024, 1 << 20} {
		var charged int64
		r := New()
		r.SetStepMeter(budgetMeter(need, batch, &charged))
		v, err := r.RunString(src)
		if err != nil || v.ToInteger() != 499500 {
			t.Fatalf("batch %d, budget %d: %v, %v", batch, need, v, err)
		}
		if got := r.StepsUsed(); got != need {
			t.Fatalf("batch %d: StepsUsed %d, want %d", batch, got, need)
		}
		if charged > need {
			t.Fatalf("batch %d: meter was charged %d, more than the %d used", batch, charged, need)
		}

		charged = 0
		r = New()
		r.SetStepMeter(budgetMeter(need-1, batch, &charged))
		_, err = r.RunString(src)
		var ie *InterruptedError
		if !errors.As(err, &ie) || !errors.Is(err, errTestSteps) {
			t.Fatalf("batch %d, budget %d: got %v, want the meter's error", batch, need-1, err)
		}
		if got := r.StepsUsed(); got != need-1 {
			t.Fatalf("batch %d: stopped after %d steps, want %d", batch, got, need-1)
		}
	}
}

func TestStepBudgetUncatchable(t *testing.T) {
	for _, src := range []string{
		`for (;;) {}`,
		`try { for (;;) {} } catch (e) {} `,
		`for (;;) { try { for (;;) {} } catch (e) {} finally { continue } }`,
		`function f() { try { return f() } finally { for (;;) {} } } f()`,
		`Promise.resolve().then(function loop() { for (;;) {} }); 1`,
		`(async function() { for (;;) { try { await 1 } catch (e) {} } })(); 1`,
		`[1, 2, 3].map(function() { for (;;) {} })`,
		`var o = {get x() { for (;;) {} }}; try { JSON.stringify(o) } catch (e) {}`,
	} {
		var charged int64
		r := New()
		r.SetStepMeter(budgetMeter(100000, 1000, &charged))
		_, err := r.RunString(src)
		if !errors.Is(err, errTestSteps) {
			t.Errorf("%s: got %v, want the step error", src, err)
		}
		if got := r.StepsUsed(); got != 100000 {
			t.Errorf("%s: %d steps, want exactly the budget", src, got)
		}
	}
}

func TestStepMeterNoGrant(t *testing.T) {
	r := New()
	r.SetStepMeter(func(int64) (int64, error) { return 0, nil })
	if _, err := r.RunString(`1`); !errors.Is(err, errNoStepGrant) {
		t.Fatalf("got %v, want errNoStepGrant", err)
	}
}

func TestStepMeterRemoved(t *testing.T) {
	var charged int64
	r := New()
	r.SetStepMeter(budgetMeter(1<<40, 100, &charged))
	if _, err := r.RunString(`for (var i = 0; i < 1000; i++) {}`); err != nil {
		t.Fatal(err)
	}
	before := r.StepsUsed()
	r.SetStepMeter(nil)
	if _, err := r.RunString(`for (var i = 0; i < 1000; i++) {}`); err != nil {
		t.Fatal(err)
	}
	if after := r.StepsUsed(); after != 2*before {
		t.Fatalf("steps %d after the second run, want %d", after, 2*before)
	}
}
