package engine

import (
	"context"
	"runtime"
	"time"
)

// Long runs yield to short ones. Admission slots are shared fairly by
// count, but a run that burns a core for its whole CPU budget holds the
// core, not just a slot: on a small machine a few such runs take the CPU
// from every short run of every other tenant. So a run that has worked
// longRun is demoted: while any run that is not demoted goes on, the
// demoted runs work in short bursts and wait in between, together getting
// heavyShare of the cores (and for shortGap after the last short run);
// when only demoted runs go on, they run at full speed. The test is the run's own work, not its tenant's, so spreading a
// flood over many tenant names does not escape it, and a tenant's short
// runs are never slowed by its long ones. A demoted run also leaves its
// admission slot for a second set of MaxRuns slots for long runs (while
// one is free), so long runs do not hold the slots short runs wait for.
//
// (Lowering the OS thread's priority does not do this: the Go scheduler's
// processors stay held by the low-priority threads while the OS keeps them
// waiting, so nothing else runs on those processors. Measured with
// serve/loadtest: the well-behaved tenants kept 6% of their throughput.)
const (
	// longRun is the work after which a run is demoted.
	longRun = 20 * time.Millisecond
	// heavyShare is the share of the cores the demoted runs get together
	// while other runs go on.
	heavyShare = 0.1
	// shortGap is how long after a short run the throttle stays on: a
	// service's short runs come and go, with gaps between a run and the
	// next request that a long run must not fill at full speed.
	shortGap = 20 * time.Millisecond
)

// tick is every in-process run's Watchdog throttle, called after about a
// millisecond of its work (Watchdog.SetThrottle).
func (s *slot) tick(ctx context.Context) {
	s.ticks++
	if !s.demote {
		if s.ticks < int64(longRun/time.Millisecond) {
			return
		}
		s.demote = true
		s.a.demotedLive.Add(1)
		s.a.demoted.Add(1)
		s.demoted()
	}
	s.throttle(ctx)
}

// throttle is a demoted run's pause: called after about a millisecond of
// its work, it waits long enough that the d demoted runs going on together
// use heavyShare of the cores, as long as a run that is not demoted goes
// on or went on within shortGap; otherwise it returns at once. It returns when ctx is done.
func (s *slot) throttle(ctx context.Context) {
	a := s.a
	d := a.demotedLive.Load()
	if d <= 0 || a.live.Load() <= d && time.Now().UnixNano()-a.lastShort.Load() > int64(shortGap) {
		return
	}
	wait := time.Duration(float64(d)/(heavyShare*float64(runtime.GOMAXPROCS(0)))*float64(time.Millisecond)) - time.Millisecond
	if wait <= 0 {
		return
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
