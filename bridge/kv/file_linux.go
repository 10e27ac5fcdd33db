package kv

import (
	"io/fs"
	"syscall"
)

// fileIdentity returns the inode, device and status-change time of a file,
// which tell a rewritten file from the one read before.
func fileIdentity(fi fs.FileInfo) (ino, dev uint64, ctime int64) {
	if sys, ok := fi.Sys().(*syscall.Stat_t); ok {
		return sys.Ino, sys.Dev, sys.Ctim.Nano()
	}
	return 0, 0, 0
}
