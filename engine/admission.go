package engine

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// KindBusy is the kind of a run the host did not admit (see Admission).
const KindBusy Kind = "busy"

// ErrBusy is the cause (errors.Is) of every KindBusy error.
var ErrBusy = errors.New("engine: the host is busy")

// Admission bounds how many runs go on at once, so a burst waits for a
// slot (for a bounded time) instead of every run entering at once and
// timing out together. Waiting runs are admitted one tenant at a time in
// turn, so a tenant that submits many runs does not starve one that
// submits few. The wait is not part of the run's budget: a run's timeout
// starts when it is admitted.
//
// The zero value is the safe default: MaxRuns 8 per core (GOMAXPROCS, at
// least 8), no bound per tenant beyond that, MaxWait 5 s.
type Admission struct {
	// MaxRuns bounds the runs going on at once in the host; 0: the
	// default, negative: no bound.
	MaxRuns int
	// MaxRunsPerTenant bounds the runs of one tenant (Identity.Tenant)
	// going on at once; 0 or negative: only MaxRuns.
	MaxRunsPerTenant int
	// MaxWait is how long Run waits for a slot before it returns a
	// KindBusy error; 0: 5 s, negative: no wait (refuse at once). The run's
	// ctx ends the wait too.
	MaxWait time.Duration
	// KeepPriority turns off demotion: by default (in-process runs), a
	// run that has worked 20 ms is throttled while shorter runs go on:
	// together such long runs get a tenth of the cores then, and all the
	// cores when only they run (see throttle.go).
	KeepPriority bool
}

// AdmissionStats is a snapshot of the host's admission (for gauges).
type AdmissionStats struct {
	Running, Waiting int
	// Refused counts the runs refused as busy since the host started.
	Refused uint64
	// Demoted counts the runs that were demoted as long (see
	// Admission.KeepPriority).
	Demoted uint64
}

// Admission returns a snapshot of the runs going on and waiting.
func (h *Host) Admission() AdmissionStats {
	a := h.admit
	a.mu.Lock()
	defer a.mu.Unlock()
	return AdmissionStats{Running: a.running + a.long, Waiting: a.waiting, Refused: a.refused, Demoted: a.demoted.Load()}
}

// admission is the host's run slots: a count, per-tenant counts and, for
// runs that wait, one FIFO per tenant served in turn.
type admission struct {
	max, perTenant int // 0: no bound
	wait           time.Duration
	demote         bool // Admission.KeepPriority unset, and runs in-process

	mu      sync.Mutex
	running int // runs in the slots MaxRuns bounds
	long    int // demoted runs moved out of those slots (at most max)
	waiting int
	refused uint64
	// live and demotedLive mirror the runs going on and the demoted ones
	// among them, for throttles that read them without the lock.
	live, demotedLive atomic.Int64
	demoted           atomic.Uint64
	// lastShort is when (UnixNano) a run that was not demoted last
	// started or ended: the throttle keeps on for a while after, since
	// short runs come and go.
	lastShort atomic.Int64
	tenants   map[string]*tenantSlots
	turn      []*tenantSlots // tenants with waiters, in the order they get turns
}

type tenantSlots struct {
	name    string
	running int
	queue   []*waiter
	inTurn  bool
}

type waiter struct {
	ch      chan struct{} // closed when admitted
	granted bool          // under admission.mu
}

func newAdmission(c Admission, inProcess bool) *admission {
	a := &admission{max: c.MaxRuns, perTenant: c.MaxRunsPerTenant, wait: c.MaxWait, tenants: map[string]*tenantSlots{},
		demote: inProcess && !c.KeepPriority}
	switch {
	case a.max == 0:
		a.max = max(8, 8*runtime.GOMAXPROCS(0))
	case a.max < 0:
		a.max = 0
	}
	if a.perTenant < 0 {
		a.perTenant = 0
	}
	if a.wait == 0 {
		a.wait = 5 * time.Second
	}
	return a
}

// free reports whether t may take a slot now (a.mu held).
func (a *admission) free(t *tenantSlots) bool {
	return (a.max == 0 || a.running < a.max) && (a.perTenant == 0 || t.running < a.perTenant)
}

func (a *admission) tenant(name string) *tenantSlots {
	t := a.tenants[name]
	if t == nil {
		t = &tenantSlots{name: name}
		a.tenants[name] = t
	}
	return t
}

// slot is an admitted run's; release gives it back.
type slot struct {
	a *admission
	t *tenantSlots
	// demote: the run is long and throttled (see tick). Set on the run's
	// goroutine while it runs, read by release after it.
	demote bool
	// moved: on demotion the run left its slot for one of the long runs'
	// (a.mu).
	moved bool
	ticks int64 // tick calls: about a millisecond of the run's work each
}

// acquire waits for a slot for tenant and returns it, or a KindBusy error
// (or ctx's error as KindBusy's cause) when none came in time.
func (a *admission) acquire(ctx context.Context, tenant string) (*slot, error) {
	a.mu.Lock()
	t := a.tenant(tenant)
	// The slots are handed out whenever one frees (dispatch), so a free
	// slot here means no waiter could take it: a newcomer jumps no queue.
	if len(t.queue) == 0 && a.free(t) {
		a.running++
		t.running++
		sl := a.slot(t)
		a.mu.Unlock()
		return sl, nil
	}
	if a.wait < 0 {
		err := a.busy(t, 0)
		a.drop(t)
		a.mu.Unlock()
		return nil, err
	}
	w := &waiter{ch: make(chan struct{})}
	t.queue = append(t.queue, w)
	a.waiting++
	if !t.inTurn {
		t.inTurn = true
		a.turn = append(a.turn, t)
	}
	a.mu.Unlock()

	timer := time.NewTimer(a.wait)
	defer timer.Stop()
	var cause error
	select {
	case <-w.ch:
		a.mu.Lock()
		defer a.mu.Unlock()
		return a.slot(t), nil
	case <-timer.C:
	case <-ctx.Done():
		cause = context.Cause(ctx)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if w.granted {
		// Admitted while the wait ended: take the slot.
		return a.slot(t), nil
	}
	for i, q := range t.queue {
		if q == w {
			t.queue = append(t.queue[:i], t.queue[i+1:]...)
			break
		}
	}
	a.waiting--
	if len(t.queue) == 0 {
		a.leaveTurn(t)
	}
	err := a.busy(t, a.wait)
	if cause != nil {
		err.Message = "the run was cancelled while waiting for a slot"
		err.Err = errors.Join(ErrBusy, cause)
	}
	a.drop(t)
	return nil, err
}

// busy is the error of a run of t that got no slot (a.mu held).
func (a *admission) busy(t *tenantSlots, waited time.Duration) *Error {
	a.refused++
	why := fmt.Sprintf("%d runs going on (limit %d)", a.running, a.max)
	if a.perTenant > 0 && t.running >= a.perTenant {
		why = fmt.Sprintf("%d runs of this tenant going on (limit %d)", t.running, a.perTenant)
	}
	msg := "the host is busy: " + why
	if waited > 0 {
		msg += fmt.Sprintf("; waited %s for a slot", waited)
	}
	return &Error{Kind: KindBusy, Message: msg, Err: ErrBusy}
}

// slot makes the slot t was granted (a.mu held).
func (a *admission) slot(t *tenantSlots) *slot {
	a.live.Add(1)
	a.lastShort.Store(time.Now().UnixNano())
	return &slot{a: a, t: t}
}

// demoted moves a run that tick found long out of the slots MaxRuns
// bounds, when fewer than MaxRuns long runs go on, and hands its slot to a
// waiting run: long runs, throttled while short ones go on, must not hold
// the slots short runs wait for. It stays in its tenant's count.
func (s *slot) demoted() {
	a := s.a
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.max == 0 || a.long >= a.max {
		return
	}
	a.running--
	a.long++
	s.moved = true
	a.dispatch()
}

// release gives the slot back.
func (s *slot) release() {
	a, t := s.a, s.t
	a.mu.Lock()
	defer a.mu.Unlock()
	a.live.Add(-1)
	if !s.demote {
		a.lastShort.Store(time.Now().UnixNano())
	} else {
		a.demotedLive.Add(-1)
	}
	if s.moved {
		a.long--
	} else {
		a.running--
	}
	t.running--
	a.dispatch()
	a.drop(t)
}

// dispatch hands free slots to waiters, one tenant at a time in turn
// (a.mu held).
func (a *admission) dispatch() {
	for i := 0; i < len(a.turn) && (a.max == 0 || a.running < a.max); {
		t := a.turn[i]
		if !a.free(t) {
			i++
			continue
		}
		w := t.queue[0]
		t.queue = t.queue[1:]
		a.waiting--
		a.running++
		t.running++
		w.granted = true
		close(w.ch)
		// t goes to the back of the line: the next slot is another
		// tenant's, if another waits.
		a.turn = append(a.turn[:i], a.turn[i+1:]...)
		if len(t.queue) > 0 {
			a.turn = append(a.turn, t)
		} else {
			t.inTurn = false
		}
		i = 0
	}
}

func (a *admission) leaveTurn(t *tenantSlots) {
	for i, x := range a.turn {
		if x == t {
			a.turn = append(a.turn[:i], a.turn[i+1:]...)
			break
		}
	}
	t.inTurn = false
}

// drop forgets a tenant with nothing running or waiting (a.mu held), so
// the map stays as large as the tenants active now.
func (a *admission) drop(t *tenantSlots) {
	if t.running == 0 && len(t.queue) == 0 && a.tenants[t.name] == t {
		delete(a.tenants, t.name)
	}
}
