package limits

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Watchdog is the one mechanism that stops a run: the wall-time timer, the
// caller's ctx, the step, host-call and log counters and the CPU check all
// end in Trip, which records the first cause and calls the backend's
// interrupt exactly once. After Stop returns, the interrupt is never called
// again, so a late timer cannot reach a VM that has moved on to another run.
//
// A Watchdog belongs to one run. Trip, Cause and the Add methods are safe from
// any goroutine.
type Watchdog struct {
	budget Budget
	start  time.Time

	steps     atomic.Int64
	hostCalls atomic.Int64
	logBytes  atomic.Int64
	memory    atomic.Int64

	mu        sync.Mutex
	cause     error
	interrupt func(error)
	stopped   bool
	timer     *time.Timer
	stopCtx   func() bool

	cpu          cpuClock
	lastCPUCheck time.Duration // script goroutine only
}

// NewWatchdog returns a watchdog for one run with the resolved budget b.
// It watches nothing until Arm.
func NewWatchdog(b Budget) *Watchdog {
	return &Watchdog{budget: b, start: time.Now()}
}

// Budget returns the budget in force.
func (w *Watchdog) Budget() Budget { return w.budget }

// Arm starts the wall-time timer and the watch on ctx; interrupt is how the
// backend stops its VM and must be safe from any goroutine. Arm must be called
// on the goroutine (and, for CPU accounting, the locked OS thread) that runs
// the script.
func (w *Watchdog) Arm(ctx context.Context, interrupt func(cause error)) {
	w.mu.Lock()
	w.interrupt = interrupt
	w.cpu = startCPU()
	cause := w.cause
	w.mu.Unlock()
	if cause != nil {
		interrupt(cause)
		return
	}
	w.timer = time.AfterFunc(w.budget.Timeout-time.Since(w.start), func() {
		w.Trip(Exceeded(w.budget, Timeout))
	})
	w.stopCtx = context.AfterFunc(ctx, func() {
		err := ctx.Err()
		if err == context.DeadlineExceeded {
			w.Trip(&CanceledError{Err: err, Deadline: true})
			return
		}
		w.Trip(&CanceledError{Err: err})
	})
}

// Trip records cause as the reason the run stops (only the first cause
// counts) and interrupts the VM.
func (w *Watchdog) Trip(cause error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.cause != nil || w.stopped {
		return
	}
	w.cause = cause
	if w.interrupt != nil {
		w.interrupt(cause)
	}
}

// Cause returns why the run was stopped, or nil.
func (w *Watchdog) Cause() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.cause
}

// Stop ends the watch. After it returns the interrupt is not called again.
func (w *Watchdog) Stop() {
	w.mu.Lock()
	w.stopped = true
	w.mu.Unlock()
	if w.timer != nil {
		w.timer.Stop()
	}
	if w.stopCtx != nil {
		w.stopCtx()
	}
}

// AddSteps counts n steps and returns the steps left before the budget is
// gone; when it is gone it trips the watchdog and returns the error. It also
// checks the CPU budget, so it must be called on the script's goroutine.
func (w *Watchdog) AddSteps(n int64) (left int64, err error) {
	used := w.steps.Add(n)
	if used > w.budget.Steps {
		w.steps.Store(w.budget.Steps + 1)
		return 0, w.exceed(Steps)
	}
	if err := w.CheckCPU(); err != nil {
		return 0, err
	}
	return w.budget.Steps - used, nil
}

// SetSteps corrects the step count (backends that count in batches report
// the exact figure at the end of a run).
func (w *Watchdog) SetSteps(n int64) { w.steps.Store(n) }

// Steps returns the steps counted so far.
func (w *Watchdog) Steps() int64 { return w.steps.Load() }

// AddHostCall counts one host call.
func (w *Watchdog) AddHostCall() error {
	if w.hostCalls.Add(1) > w.budget.HostCalls {
		w.hostCalls.Add(-1)
		return w.exceed(HostCalls)
	}
	return nil
}

// HostCalls returns the host calls counted so far.
func (w *Watchdog) HostCalls() int64 { return w.hostCalls.Load() }

// AddLog counts n bytes of script log output.
func (w *Watchdog) AddLog(n int64) error {
	if w.logBytes.Add(n) > w.budget.Logs {
		w.logBytes.Add(-n)
		return w.exceed(Logs)
	}
	return nil
}

// AddMemory counts n bytes about to be allocated on the script's behalf.
func (w *Watchdog) AddMemory(n int64) error {
	if n < 0 || w.memory.Add(n) > w.budget.Memory {
		return w.exceed(Memory)
	}
	return nil
}

// SampleCPU refreshes the CPU figure Usage reports; call it on the
// script's goroutine when the run ends.
func (w *Watchdog) SampleCPU() { w.cpu.used() }

// CheckCPU trips the watchdog when the run's CPU time is over budget. Reading
// the thread's CPU clock is a system call, so it is read at most once per
// millisecond of wall time: CPU time never runs ahead of wall time on one
// thread, so the budget is overshot by at most that millisecond.
func (w *Watchdog) CheckCPU() error {
	now := time.Since(w.start)
	if now-w.lastCPUCheck < time.Millisecond {
		return nil
	}
	w.lastCPUCheck = now
	if w.cpu.used() > w.budget.CPU {
		return w.exceed(CPU)
	}
	return nil
}

// Exceed trips the watchdog for the named limit and returns the error.
func (w *Watchdog) exceed(name string) error {
	err := Exceeded(w.budget, name)
	w.Trip(err)
	return err
}

// Exceed trips the watchdog because the named limit was exceeded, and
// returns the error. Backends call it for limits they detect themselves
// (stack depth, output size).
func (w *Watchdog) Exceed(name string) error { return w.exceed(name) }

// Usage returns what the run used so far.
func (w *Watchdog) Usage() Usage {
	return Usage{
		Steps:       w.steps.Load(),
		MemoryBytes: w.memory.Load(),
		CPUMs:       w.cpu.last.Milliseconds(),
		WallMs:      time.Since(w.start).Milliseconds(),
		HostCalls:   w.hostCalls.Load(),
		LogBytes:    w.logBytes.Load(),
	}
}

// Elapsed returns the wall time since the watchdog was made.
func (w *Watchdog) Elapsed() time.Duration { return time.Since(w.start) }

// CanceledError reports that the caller's context ended the run.
type CanceledError struct {
	Err      error
	Deadline bool
}

func (e *CanceledError) Error() string {
	if e.Deadline {
		return "run stopped: the caller's deadline passed"
	}
	return "run stopped: canceled by the caller"
}

func (e *CanceledError) Unwrap() error { return e.Err }
