package engine

import (
	"runtime"

	"golang.org/x/sys/unix"
)

// demotable: runs can be moved to a low-priority thread on this system.
const demotable = true

func lockForever() { runtime.LockOSThread() }

// lowerPriority sets the calling thread's nice value to 19, the lowest
// priority (a thread's own, on Linux: PRIO_PROCESS with its thread id).
func lowerPriority() { _ = unix.Setpriority(unix.PRIO_PROCESS, unix.Gettid(), 19) }
