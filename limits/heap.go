package limits

import (
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"time"
)

// HeapGuard is the backstop for memory: it watches the Go heap of the whole
// process while runs are active and, when the heap goes over the ceiling,
// trips the watchdog of every active run with the memory limit. Built-ins
// that allocate in proportion to an argument are checked before they
// allocate (see the backends); this catches what they cannot see, such as
// a string doubled by concatenation in a loop, before the process runs out
// of memory and dies with a fatal error that no recover() catches.
//
// The heap cannot be attributed to one run, so every active run is stopped:
// fail closed. A HeapGuard is safe for concurrent use.
//
// The heap is sampled from the runs' own threads: a watched Watchdog
// samples it when it checks the CPU clock (at most once a millisecond, as
// the script reports steps), and the guard reads it at most once an
// interval (2 ms) for all runs together. A goroutine samples it too, every
// 25 intervals, for runs that report no steps for a while (a long native
// call). A goroutine woken every 2 ms cost about 2% of a core (a wake-up
// of an idle thread costs tens of microseconds; reading the heap size
// costs 0.2 µs).
type HeapGuard struct {
	ceiling  uint64
	interval time.Duration

	epoch time.Time    // what sample times count from
	last  atomic.Int64 // time of the last sample, in nanoseconds since epoch (0: none yet)

	mu      sync.Mutex
	runs    map[*Watchdog]struct{}
	running bool
}

// fallback is how many intervals the guard's goroutine waits between
// samples.
const fallback = 25

// DefaultHeapCeiling is used when a host sets none: 90% of the process's
// memory limit (GOMEMLIMIT / debug.SetMemoryLimit) when one is set, else 4 GiB.
func DefaultHeapCeiling() uint64 {
	if lim := debug.SetMemoryLimit(-1); lim > 0 && lim < 1<<62 {
		return uint64(lim) / 10 * 9
	}
	return 4 << 30
}

// NewHeapGuard returns a guard with the given ceiling in bytes (0: the default).
func NewHeapGuard(ceiling uint64) *HeapGuard {
	if ceiling == 0 {
		ceiling = DefaultHeapCeiling()
	}
	return &HeapGuard{ceiling: ceiling, interval: 2 * time.Millisecond, epoch: time.Now(), runs: map[*Watchdog]struct{}{}}
}

// Ceiling returns the ceiling in bytes.
func (g *HeapGuard) Ceiling() uint64 { return g.ceiling }

// Watch registers w until the returned function is called. Call it before
// the run starts: from then on w samples the heap when it checks the CPU
// clock.
func (g *HeapGuard) Watch(w *Watchdog) (done func()) {
	w.heap = g
	g.mu.Lock()
	g.runs[w] = struct{}{}
	if !g.running {
		g.running = true
		go g.loop()
	}
	g.mu.Unlock()
	return func() {
		g.mu.Lock()
		delete(g.runs, w)
		g.mu.Unlock()
	}
}

func (g *HeapGuard) loop() {
	t := time.NewTicker(fallback * g.interval)
	defer t.Stop()
	for range t.C {
		g.mu.Lock()
		if len(g.runs) == 0 {
			g.running = false
			g.mu.Unlock()
			return
		}
		g.mu.Unlock()
		g.check(time.Since(g.epoch))
	}
}

// sample checks the heap unless it was checked less than an interval ago.
func (g *HeapGuard) sample() {
	now := time.Since(g.epoch)
	last := g.last.Load()
	if last != 0 && now-time.Duration(last) < g.interval || !g.last.CompareAndSwap(last, int64(now)) {
		return
	}
	g.check(now)
}

// check reads the heap size and trips every watched run when it is over
// the ceiling.
func (g *HeapGuard) check(now time.Duration) {
	g.last.Store(int64(now))
	sample := [1]metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(sample[:])
	if sample[0].Value.Kind() != metrics.KindUint64 || sample[0].Value.Uint64() <= g.ceiling {
		return
	}
	g.mu.Lock()
	for w := range g.runs {
		w.Trip(&ExceededError{Limit: Memory, Value: "process heap ceiling", Process: true})
	}
	g.mu.Unlock()
}
