package limits

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestResolve(t *testing.T) {
	def := Default()
	got, err := Resolve(def, Budget{}, Budget{})
	if err != nil || got != def {
		t.Fatalf("zero budget: got %+v, %v; want the defaults", got, err)
	}
	got, _ = Resolve(def, Budget{Steps: 5, Timeout: time.Hour}, Budget{Timeout: time.Second, HostCalls: 7})
	if got.Steps != 5 || got.Timeout != time.Second || got.HostCalls != 7 || got.Logs != def.Logs {
		t.Errorf("got %+v", got)
	}
	got, _ = Resolve(def, Budget{StackDepth: 1 << 20}, Budget{})
	if got.StackDepth != MaxStackDepth {
		t.Errorf("stack depth %d, want the cap %d", got.StackDepth, MaxStackDepth)
	}
	if _, err := Resolve(def, Budget{Steps: -1}, Budget{}); err == nil {
		t.Errorf("negative steps accepted")
	}
	for _, f := range Fields() {
		if v := f.Get(def); v <= 0 {
			t.Errorf("default %s is %d: a zero Budget must never mean unlimited", f.Name, v)
		}
	}
}

func TestWatchdogFirstCauseAndStop(t *testing.T) {
	w := NewWatchdog(context.Background(), Budget{Steps: 10, HostCalls: 1, Logs: 5, Memory: 100, Timeout: time.Hour, CPU: time.Hour})
	defer w.Stop()
	if _, err := w.AddSteps(5); err != nil {
		t.Fatal(err)
	}
	if err := w.AddHostCall(); err != nil {
		t.Fatal(err)
	}
	if w.Context().Err() != nil {
		t.Fatal("context done before any stop")
	}
	err := w.AddHostCall()
	var le *ExceededError
	if !errors.As(err, &le) || le.Limit != HostCalls {
		t.Fatalf("second host call: %v", err)
	}
	_, _ = w.AddSteps(100)
	if c := w.Cause(); !errors.As(c, &le) || le.Limit != HostCalls {
		t.Errorf("cause %v, want the first one (hostCalls)", c)
	}
	if c := context.Cause(w.Context()); !errors.As(c, &le) || le.Limit != HostCalls {
		t.Errorf("context cause %v, want hostCalls", c)
	}
}

func TestWatchdogContext(t *testing.T) {
	// The wall-time budget ends the context with the timeout limit.
	w := NewWatchdog(context.Background(), Budget{Timeout: 10 * time.Millisecond})
	select {
	case <-w.Context().Done():
	case <-time.After(5 * time.Second):
		t.Fatal("timeout never fired")
	}
	var le *ExceededError
	if c := w.Cause(); !errors.As(c, &le) || le.Limit != Timeout {
		t.Fatalf("cause %v, want the timeout limit", c)
	}
	if d, ok := w.Context().Deadline(); !ok || d.After(time.Now()) {
		t.Errorf("deadline %v, %v", d, ok)
	}
	w.Stop()

	// After Stop, nothing is recorded and the context is done without a cause.
	w2 := NewWatchdog(context.Background(), Budget{Timeout: time.Hour})
	w2.Stop()
	w2.Trip(errors.New("late"))
	if w2.Cause() != nil {
		t.Errorf("cause %v recorded after Stop", w2.Cause())
	}
	if w2.Context().Err() == nil {
		t.Errorf("context not done after Stop")
	}

	// The caller's ctx: canceled, and its own deadline.
	ctx, cancel := context.WithCancel(context.Background())
	w3 := NewWatchdog(ctx, Budget{Timeout: time.Hour})
	cancel()
	<-w3.Context().Done()
	var ce *CanceledError
	if c := w3.Cause(); !errors.As(c, &ce) || ce.Deadline || !errors.Is(c, context.Canceled) {
		t.Errorf("ctx cancel: %v", c)
	}
	w3.Stop()
	dctx, dcancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
	defer dcancel()
	w4 := NewWatchdog(dctx, Budget{Timeout: time.Hour})
	<-w4.Context().Done()
	if c := w4.Cause(); !errors.As(c, &ce) || !ce.Deadline {
		t.Errorf("ctx deadline: %v", c)
	}
	w4.Stop()
}
