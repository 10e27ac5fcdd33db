//go:build !linux

package engine

import (
	"errors"
	"time"
)

// Process isolation needs Linux (pipes with deadlines, process groups, the
// containment layers); elsewhere NewHost with Isolation: Process fails.

func startWorker(*pool) (*worker, error) {
	return nil, errors.New("process isolation is only supported on Linux")
}

type memCap struct {
	ok  bool
	why string
}

type memGroup struct{}

func newMemCap(string) memCap                    { return memCap{why: "Linux only"} }
func (*memCap) add(int) (*memGroup, error)       { return nil, nil }
func (*memCap) close()                           {}
func (*memGroup) setBudget(*worker, int64) error { return nil }
func (*memGroup) oomKilled(string) bool          { return false }
func (*memGroup) watch(*worker) func()           { return func() {} }
func (*memGroup) peak() (int64, int64)           { return 0, 0 }
func (*memGroup) remove()                        {}
func killGroup(int)                              {}
func processCPU(int) time.Duration               { return 0 }
