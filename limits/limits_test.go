package limits

import (
	"context"
	"errors"
	"sync/atomic"
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
	for _, f := range def.fields() {
		if f.v <= 0 {
			t.Errorf("default %s is %d: a zero Budget must never mean unlimited", f.name, f.v)
		}
	}
}

func TestWatchdogFirstCauseAndStop(t *testing.T) {
	w := NewWatchdog(Budget{Steps: 10, HostCalls: 1, Logs: 5, Memory: 100, Timeout: time.Hour, CPU: time.Hour})
	var calls atomic.Int32
	w.Arm(context.Background(), func(error) { calls.Add(1) })
	if _, err := w.AddSteps(5); err != nil {
		t.Fatal(err)
	}
	if err := w.AddHostCall(); err != nil {
		t.Fatal(err)
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
	if calls.Load() != 1 {
		t.Errorf("interrupt called %d times, want 1", calls.Load())
	}
}

func TestWatchdogTimeoutAndLateInterrupt(t *testing.T) {
	w := NewWatchdog(Budget{Timeout: 10 * time.Millisecond})
	fired := make(chan error, 1)
	w.Arm(context.Background(), func(err error) { fired <- err })
	select {
	case err := <-fired:
		var le *ExceededError
		if !errors.As(err, &le) || le.Limit != Timeout {
			t.Fatalf("got %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("timeout never fired")
	}
	// After Stop, nothing reaches the interrupt.
	w2 := NewWatchdog(Budget{Timeout: 5 * time.Millisecond})
	var late atomic.Int32
	w2.Arm(context.Background(), func(error) { late.Add(1) })
	w2.Stop()
	time.Sleep(20 * time.Millisecond)
	w2.Trip(errors.New("late"))
	if late.Load() != 0 {
		t.Errorf("interrupt called after Stop")
	}
	// The caller's ctx.
	ctx, cancel := context.WithCancel(context.Background())
	w3 := NewWatchdog(Budget{Timeout: time.Hour})
	got := make(chan error, 1)
	w3.Arm(ctx, func(err error) { got <- err })
	cancel()
	if err := <-got; !errors.Is(err, context.Canceled) {
		t.Errorf("ctx cancel: %v", err)
	}
	w3.Stop()
}
