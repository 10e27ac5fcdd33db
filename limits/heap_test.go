package limits

import (
	"context"
	"errors"
	"testing"
	"time"
)

// A run over the heap ceiling is stopped from its own thread: the CPU check
// its steps trigger samples the heap.
func TestHeapGuardSamplesOnCPUCheck(t *testing.T) {
	g := NewHeapGuard(1) // any heap is over one byte
	g.interval = time.Hour
	w := NewWatchdog(context.Background(), Default())
	defer w.Stop()
	defer g.Watch(w)()
	w.Begin()
	time.Sleep(time.Millisecond) // CheckCPU looks at most once a millisecond
	_ = w.CheckCPU()
	var ex *ExceededError
	if !errors.As(w.Cause(), &ex) || ex.Limit != Memory || !ex.Process {
		t.Fatalf("cause %v, want the process heap ceiling", w.Cause())
	}
	// A second run is not stopped again within the interval, but the
	// first stop stopped every run watched at the time.
	w2 := NewWatchdog(context.Background(), Default())
	defer w2.Stop()
	defer g.Watch(w2)()
	w2.Begin()
	time.Sleep(time.Millisecond)
	_ = w2.CheckCPU()
	if w2.Cause() != nil {
		t.Errorf("sampled again within the interval: %v", w2.Cause())
	}
}

// A run that reports no steps is still stopped, by the guard's goroutine.
func TestHeapGuardFallback(t *testing.T) {
	g := NewHeapGuard(1)
	g.interval = time.Millisecond
	w := NewWatchdog(context.Background(), Default())
	defer w.Stop()
	defer g.Watch(w)()
	select {
	case <-w.Context().Done():
	case <-time.After(10 * time.Second):
		t.Fatal("not stopped")
	}
	var ex *ExceededError
	if !errors.As(w.Cause(), &ex) || ex.Limit != Memory || !ex.Process {
		t.Fatalf("cause %v, want the process heap ceiling", w.Cause())
	}
}

// Under the ceiling nothing is stopped.
func TestHeapGuardUnderCeiling(t *testing.T) {
	g := NewHeapGuard(1 << 62)
	g.interval = time.Millisecond
	w := NewWatchdog(context.Background(), Default())
	defer w.Stop()
	defer g.Watch(w)()
	w.Begin()
	for i := 0; i < 5; i++ {
		time.Sleep(2 * time.Millisecond)
		if err := w.CheckCPU(); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(60 * time.Millisecond) // the goroutine samples too
	if w.Cause() != nil {
		t.Errorf("stopped under the ceiling: %v", w.Cause())
	}
}
