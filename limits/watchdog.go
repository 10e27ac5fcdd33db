package limits

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// Watchdog is the one mechanism that stops a run. It owns the run's context
// (Context): the wall-time deadline, the caller's ctx, the step, host-call,
// log and memory counters and the CPU check all end in Trip, which records
// the first cause and cancels that context with it. Backends interrupt their
// VM when the context is done, host functions get it as their ctx, so one
// stop reaches the script and an in-flight host call alike. After Stop
// returns, Trip does nothing, so a late timer cannot record a cause for a
// run that has finished.
//
// A Watchdog belongs to one run. Context, Trip, Cause and the Add methods are
// safe from any goroutine; Begin, CheckCPU, SampleCPU and AddSteps belong to
// the goroutine (locked OS thread) that runs the script.
type Watchdog struct {
	budget Budget
	start  time.Time

	steps     atomic.Int64
	hostCalls atomic.Int64
	logBytes  atomic.Int64
	memory    atomic.Int64

	ctx       context.Context // canceled with the cause on any stop
	cancel    context.CancelCauseFunc
	deadline  context.Context // parent + the wall-time deadline
	dcancel   context.CancelFunc
	stopAfter func() bool

	mu      sync.Mutex
	cause   error
	stopped bool

	cpu          cpuClock
	lastCPUCheck time.Duration             // script goroutine only
	throttle     func(ctx context.Context) // see SetThrottle
	heap         *HeapGuard                // set by HeapGuard.Watch before the run
}

// errFinished cancels the context of a run that ended; it is never a cause.
var errFinished = errors.New("run finished")

// NewWatchdog returns the watchdog of one run with the resolved budget b.
// Its context (Context) derives from parent and ends at the latest when the
// wall-time budget is gone. Call Stop when the run ends.
func NewWatchdog(parent context.Context, b Budget) *Watchdog {
	w := &Watchdog{budget: b, start: time.Now()}
	w.deadline, w.dcancel = context.WithDeadlineCause(parent, w.start.Add(b.Timeout), Exceeded(b, Timeout))
	w.ctx, w.cancel = context.WithCancelCause(w.deadline)
	w.stopAfter = context.AfterFunc(w.deadline, func() { w.Trip(w.deadlineCause()) })
	return w
}

// deadlineCause says why w.deadline ended: the wall-time budget, or the
// caller's ctx (canceled, or its own deadline).
func (w *Watchdog) deadlineCause() error {
	c := context.Cause(w.deadline)
	var le *ExceededError
	if errors.As(c, &le) {
		return c
	}
	return &CanceledError{Err: c, Deadline: errors.Is(w.deadline.Err(), context.DeadlineExceeded)}
}

// Budget returns the budget in force.
func (w *Watchdog) Budget() Budget { return w.budget }

// Context returns the run's context: done as soon as the run must stop, for
// any reason (Cause says which), and when the run has finished (Stop).
func (w *Watchdog) Context() context.Context { return w.ctx }

// Begin starts the CPU accounting. Call it on the goroutine, locked to its
// OS thread, that runs the script, before the script runs.
func (w *Watchdog) Begin() { w.cpu = startCPU() }

// Trip records cause as the reason the run stops (only the first cause
// counts) and cancels the run's context with it.
func (w *Watchdog) Trip(cause error) {
	w.mu.Lock()
	if w.cause != nil || w.stopped {
		w.mu.Unlock()
		return
	}
	w.cause = cause
	w.mu.Unlock()
	w.cancel(cause)
}

// Cause returns why the run was stopped, or nil.
func (w *Watchdog) Cause() error {
	w.mu.Lock()
	c, stopped := w.cause, w.stopped
	w.mu.Unlock()
	if c == nil && !stopped && w.deadline.Err() != nil {
		// The deadline or the caller ended the run and the AfterFunc that
		// records it has not run yet.
		w.Trip(w.deadlineCause())
		w.mu.Lock()
		c = w.cause
		w.mu.Unlock()
	}
	return c
}

// Stop ends the watch and releases the timers. After it returns Trip does
// nothing, and the context is done (with no cause if none was recorded).
func (w *Watchdog) Stop() {
	w.mu.Lock()
	w.stopped = true
	w.mu.Unlock()
	w.stopAfter()
	w.cancel(errFinished)
	w.dcancel()
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
// thread, so the budget is overshot by at most that millisecond. It also
// samples the process heap for the HeapGuard watching this run, if any.
func (w *Watchdog) CheckCPU() error {
	now := time.Since(w.start)
	if now-w.lastCPUCheck < time.Millisecond {
		return nil
	}
	w.lastCPUCheck = now
	if w.throttle != nil {
		w.throttle(w.ctx)
		w.lastCPUCheck = time.Since(w.start)
	}
	if w.heap != nil {
		w.heap.sample()
	}
	if w.cpu.used() > w.budget.CPU {
		return w.exceed(CPU)
	}
	return nil
}

// SetThrottle makes the run pause: f is called on the script's thread
// about once per millisecond of the run's work (from CheckCPU) and may
// block, for example to give the cores to other runs; it must return when
// ctx, the run's context, is done. Set it before the run starts.
func (w *Watchdog) SetThrottle(f func(ctx context.Context)) { w.throttle = f }

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
