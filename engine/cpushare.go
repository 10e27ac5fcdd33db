package engine

import (
	"math"
	"time"
)

// cpuShare is what admission remembers of each tenant's CPU: the CPU time
// of its finished runs, decayed with a half-life, so that a tenant whose
// runs took most of the host's CPU lately can be told apart from one that
// took little. Admission uses it to run the heavy tenant's next runs at the
// lowest CPU priority (see demoted): the OS scheduler then gives the cores
// to everyone else's runs first and to the heavy tenant's only when they
// would be idle. Slots alone cannot do that: a run that burns a core for
// its whole CPU budget holds the core, not just a slot.
type cpuShare struct {
	tenants map[string]*cpuHist
}

type cpuHist struct {
	ms float64   // decayed CPU milliseconds, as of at
	at time.Time // when ms was last decayed
}

const (
	cpuHalfLife = 5 * time.Second
	// cpuActive is the decayed CPU below which a tenant is not counted
	// as active (and may be forgotten).
	cpuActive = 5.0
	// cpuTenants bounds the tenants remembered; past it, tenants whose
	// history decayed below cpuActive are forgotten, and then new ones
	// are not remembered (they count as light).
	cpuTenants = 4096
)

func (c *cpuShare) decay(h *cpuHist, now time.Time) {
	if d := now.Sub(h.at); d > 0 {
		h.ms *= math.Exp2(-float64(d) / float64(cpuHalfLife))
		h.at = now
	}
}

// add records a finished run's CPU time for tenant.
func (c *cpuShare) add(tenant string, ms int64, now time.Time) {
	if ms <= 0 {
		return
	}
	h := c.tenants[tenant]
	if h == nil {
		if len(c.tenants) >= cpuTenants {
			for k, x := range c.tenants {
				if c.decay(x, now); x.ms < cpuActive {
					delete(c.tenants, k)
				}
			}
			if len(c.tenants) >= cpuTenants {
				return
			}
		}
		if c.tenants == nil {
			c.tenants = map[string]*cpuHist{}
		}
		h = &cpuHist{at: now}
		c.tenants[tenant] = h
	}
	c.decay(h, now)
	h.ms += float64(ms)
}

// heavy reports whether tenant's share of the recent CPU of all active
// tenants is over 2/(n+1) for n active tenants (over 2/3 with two, 1/2
// with three): with one tenant active nobody is heavy, and tenants that
// share the CPU about evenly are all light.
func (c *cpuShare) heavy(tenant string, now time.Time) bool {
	h := c.tenants[tenant]
	if h == nil {
		return false
	}
	if c.decay(h, now); h.ms < cpuActive {
		return false
	}
	var total float64
	n := 0
	for _, x := range c.tenants {
		if c.decay(x, now); x.ms >= cpuActive {
			total += x.ms
			n++
		}
	}
	return n >= 2 && h.ms > total*2/float64(n+1)
}

// runDemoted runs f on a goroutine of its own, on an OS thread set to the
// lowest CPU priority that no other goroutine will use: the goroutine ends
// with the thread still locked, so the Go runtime ends the thread with it
// (raising a thread's priority back needs a privilege a host may lack). If
// the priority cannot be lowered, f runs anyway, at normal priority.
func runDemoted(f func() (any, error)) (any, error) {
	type result struct {
		v   any
		err error
	}
	done := make(chan result, 1)
	go func() {
		lockForever()
		lowerPriority()
		v, err := f()
		done <- result{v, err}
	}()
	r := <-done
	return r.v, r.err
}
