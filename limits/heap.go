package limits

import (
	"runtime/debug"
	"runtime/metrics"
	"sync"
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
// fail closed. A HeapGuard is safe for concurrent use; its goroutine runs
// only while at least one run is registered.
type HeapGuard struct {
	ceiling  uint64
	interval time.Duration

	mu      sync.Mutex
	runs    map[*Watchdog]struct{}
	running bool
}

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
	return &HeapGuard{ceiling: ceiling, interval: 2 * time.Millisecond, runs: map[*Watchdog]struct{}{}}
}

// Ceiling returns the ceiling in bytes.
func (g *HeapGuard) Ceiling() uint64 { return g.ceiling }

// Watch registers w until the returned function is called.
func (g *HeapGuard) Watch(w *Watchdog) (done func()) {
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
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	t := time.NewTicker(g.interval)
	defer t.Stop()
	for range t.C {
		g.mu.Lock()
		if len(g.runs) == 0 {
			g.running = false
			g.mu.Unlock()
			return
		}
		g.mu.Unlock()
		metrics.Read(sample)
		if sample[0].Value.Kind() != metrics.KindUint64 || sample[0].Value.Uint64() <= g.ceiling {
			continue
		}
		g.mu.Lock()
		for w := range g.runs {
			w.Trip(&ExceededError{Limit: Memory, Value: "process heap ceiling", Process: true})
		}
		g.mu.Unlock()
	}
}
