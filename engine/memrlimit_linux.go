package engine

import (
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// rssCap is the memory cap of a worker where no cgroup can be had: an
// RLIMIT_AS over the worker's address space as a backstop (an allocation
// past it makes the Go runtime die with "out of memory"), and the parent
// polling the worker's resident memory during runs, killing it when the
// run's growth goes over the budget plus 5%.
type rssCap struct {
	pid int

	mu       sync.Mutex
	budget   int64
	base     int64 // resident bytes when the run started
	max      int64 // the highest resident bytes seen
	overflow bool  // we killed it for going over
}

// asHeadroom is the address space a worker may reserve beyond its size
// before a run plus the budget: Go reserves heap arenas and thread stacks
// well ahead of use, and RLIMIT_AS counts reservations, not memory used.
const asHeadroom = 1 << 30

// rssInterval is how often the parent reads a running worker's RSS.
const rssInterval = 2 * time.Millisecond

var pageSize = int64(os.Getpagesize())

// statm returns the worker's address-space size and resident bytes.
func (c *rssCap) statm() (size, rss int64, err error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(c.pid) + "/statm")
	if err != nil {
		return 0, 0, err
	}
	f := strings.Fields(string(data))
	if len(f) < 2 {
		return 0, 0, os.ErrInvalid
	}
	size, _ = strconv.ParseInt(f[0], 10, 64)
	rss, _ = strconv.ParseInt(f[1], 10, 64)
	return size * pageSize, rss * pageSize, nil
}

func (c *rssCap) setBudget(budget int64) error {
	size, rss, err := c.statm()
	if err != nil {
		return err
	}
	lim := uint64(size + budget + budget/20 + asHeadroom)
	if err := unix.Prlimit(c.pid, unix.RLIMIT_AS, &unix.Rlimit{Cur: lim, Max: lim}, nil); err != nil {
		return err
	}
	c.mu.Lock()
	c.budget, c.base, c.max = budget, rss, rss
	c.mu.Unlock()
	return nil
}

// watch polls the RSS until stop is called, and calls kill when the run's
// growth is over the budget plus 5%.
func (c *rssCap) watch(kill func()) (stop func()) {
	return poll(rssInterval, func() bool {
		_, rss, err := c.statm()
		if err != nil {
			return false
		}
		c.mu.Lock()
		c.max = max(c.max, rss)
		over := rss-c.base > c.budget+c.budget/20
		if over {
			c.overflow = true
		}
		c.mu.Unlock()
		if over {
			kill()
		}
		return !over
	})
}

// poll calls sample every interval on a goroutine of its own until sample
// returns false or stop is called; stop returns once the goroutine is gone.
func poll(interval time.Duration, sample func() bool) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			if !sample() {
				return
			}
		}
	}()
	return func() { close(done); <-finished }
}

// exceeded says whether the worker died of the cap: killed by the poller,
// or the Go runtime out of address space under RLIMIT_AS.
func (c *rssCap) exceeded(stderr string) bool {
	c.mu.Lock()
	over := c.overflow
	c.mu.Unlock()
	return over || strings.Contains(stderr, "out of memory")
}

func (c *rssCap) peak() (peak, base int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.max, c.base
}
