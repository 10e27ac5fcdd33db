//go:build !linux

package limits

import "time"

// cpuClock is not available on this platform: CPU time reads as zero and
// the wall-time budget is the only clock.
type cpuClock struct{ last time.Duration }

func startCPU() cpuClock { return cpuClock{} }

func (c *cpuClock) used() time.Duration { return 0 }
