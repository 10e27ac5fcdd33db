package contain

import (
	"sort"
	"time"

	"github.com/scriptrun/scriptrun/policy"
)

// counts are what one bucket of a series holds.
type counts struct {
	runs, failures     int64
	byKind             map[string]int64
	hostCalls, denials int64
	calls, denied      map[string]int64
	cpuSum, cpuMax     float64 // ms
	memSum, memMax     float64 // bytes
}

func (c *counts) addRun(kind string, cpuMs, mem float64) {
	c.runs++
	if kind != "" {
		c.failures++
		if c.byKind == nil {
			c.byKind = map[string]int64{}
		}
		c.byKind[kind]++
	}
	c.cpuSum += cpuMs
	c.cpuMax = max(c.cpuMax, cpuMs)
	c.memSum += mem
	c.memMax = max(c.memMax, mem)
}

func (c *counts) addCall(capability string, denied bool) {
	c.hostCalls++
	if c.calls == nil {
		c.calls = map[string]int64{}
	}
	c.calls[capability]++
	if denied {
		c.denials++
		if c.denied == nil {
			c.denied = map[string]int64{}
		}
		c.denied[capability]++
	}
}

// add adds b into c (the maps are c's own).
func (c *counts) add(b *counts) {
	c.runs += b.runs
	c.failures += b.failures
	c.hostCalls += b.hostCalls
	c.denials += b.denials
	c.cpuSum += b.cpuSum
	c.cpuMax = max(c.cpuMax, b.cpuMax)
	c.memSum += b.memSum
	c.memMax = max(c.memMax, b.memMax)
	addMap(&c.byKind, b.byKind)
	addMap(&c.calls, b.calls)
	addMap(&c.denied, b.denied)
}

func addMap(dst *map[string]int64, src map[string]int64) {
	if len(src) == 0 {
		return
	}
	if *dst == nil {
		*dst = make(map[string]int64, len(src))
	}
	for k, v := range src {
		(*dst)[k] += v
	}
}

// nBuckets is the resolution of a sliding window: a window of span S
// forgets its oldest S/nBuckets at a time.
const nBuckets = 12

// series is a sliding window of counts over span, in nBuckets buckets.
// Memory is fixed but for the per-capability maps, whose keys are the
// host's capabilities (a bounded set).
type series struct {
	width   time.Duration
	slots   [nBuckets]int64 // the bucket's slot number (time / width), 0: empty
	buckets [nBuckets]counts
}

func newSeries(span time.Duration) *series {
	w := span / nBuckets
	if w <= 0 {
		w = 1
	}
	return &series{width: w}
}

func (s *series) slot(now time.Time) int64 { return now.UnixNano()/int64(s.width) + 1 }

// at returns the bucket for now, emptying a stale one. A time older than
// the span (a run that started long ago) whose bucket holds newer counts
// counts in that newer bucket, never wiping it.
func (s *series) at(now time.Time) *counts {
	slot := s.slot(now)
	i := int(slot % nBuckets)
	if s.slots[i] < slot {
		s.slots[i] = slot
		s.buckets[i] = counts{}
	}
	return &s.buckets[i]
}

// sum returns the counts of the buckets within the span before now.
func (s *series) sum(now time.Time) counts {
	cur := s.slot(now)
	var out counts
	for i := range s.buckets {
		if sl := s.slots[i]; sl != 0 && sl > cur-nBuckets && sl <= cur {
			out.add(&s.buckets[i])
		}
	}
	return out
}

func rate(n, of int64) float64 {
	if of == 0 {
		return 0
	}
	return float64(n) / float64(of)
}

func measure(sum, maxv float64, n int64) policy.Measure {
	if n == 0 {
		return policy.Measure{}
	}
	return policy.Measure{Mean: sum / float64(n), Max: maxv}
}

// set is a capped set of names; past the cap it stops growing.
type set struct {
	m   map[string]bool
	cap int
}

// add adds v and says whether it was not in the set (past the cap: always).
func (s *set) add(v string) bool {
	if s.m[v] {
		return false
	}
	if len(s.m) < s.cap {
		if s.m == nil {
			s.m = map[string]bool{}
		}
		s.m[v] = true
	}
	return true
}

func (s *set) list() []string {
	out := make([]string, 0, len(s.m))
	for k := range s.m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
