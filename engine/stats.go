package engine

// WorkerStats counts a host's worker processes (Isolation: Process), for
// gauges; every count is 0 for a host that runs scripts in its own process.
type WorkerStats struct {
	Live     int // started and not retired: idle or running a script
	Idle     int // ready for a run
	Starting int // being started
}

// WorkerStats returns the host's worker counts now. It is safe to call
// from any goroutine.
func (h *Host) WorkerStats() WorkerStats {
	if h.pool == nil {
		return WorkerStats{}
	}
	p := h.pool
	p.mu.Lock()
	defer p.mu.Unlock()
	return WorkerStats{Live: p.live, Idle: len(p.idle), Starting: p.starting}
}
