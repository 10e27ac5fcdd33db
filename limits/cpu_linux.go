package limits

import (
	"time"

	"golang.org/x/sys/unix"
)

// cpuClock measures the CPU time of the OS thread that armed the watchdog.
// The backend locks its goroutine to that thread for the run.
type cpuClock struct {
	start time.Duration
	ok    bool
	last  time.Duration
}

func threadCPU() (time.Duration, bool) {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		return 0, false
	}
	return time.Duration(ts.Nano()), true
}

func startCPU() cpuClock {
	t, ok := threadCPU()
	return cpuClock{start: t, ok: ok}
}

// used is only meaningful on the armed thread; from elsewhere it returns the
// last figure read there.
func (c *cpuClock) used() time.Duration {
	if !c.ok {
		return 0
	}
	t, _ := threadCPU()
	if d := t - c.start; d > c.last {
		c.last = d
	}
	return c.last
}
