//go:build linux

package worker

import (
	"errors"
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The seccomp-bpf allow-list of a serving worker: what the Go runtime needs
// (memory, threads, signals, timers, the poller) and reading and writing the
// pipes it already holds (the per-architecture lists are in
// seccomp_<arch>.go). Everything else fails with EPERM: execve, socket,
// open/openat and every other way to reach files, the network or other
// processes. clone3 fails with ENOSYS, so that glibc's pthread_create (cgo
// builds) falls back to clone, and clone is allowed for threads only (no
// fork); x32 system calls fail with ENOSYS.

// BPF instruction codes (linux/filter.h).
const (
	bpfLdWAbs = unix.BPF_LD | unix.BPF_W | unix.BPF_ABS
	bpfJeqK   = unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K
	bpfJgeK   = unix.BPF_JMP | unix.BPF_JGE | unix.BPF_K
	bpfRetK   = unix.BPF_RET | unix.BPF_K
	bpfJsetK  = unix.BPF_JMP | unix.BPF_JSET | unix.BPF_K
)

// Offsets in struct seccomp_data.
const (
	offNr   = 0
	offArch = 4
	offArg0 = 16 // args[0], its low 32 bits on a little-endian machine
)

const x32Bit = 0x40000000

func stmt(code uint16, k uint32) unix.SockFilter { return unix.SockFilter{Code: code, K: k} }

func jump(code uint16, k uint32, jt, jf uint8) unix.SockFilter {
	return unix.SockFilter{Code: code, K: k, Jt: jt, Jf: jf}
}

// filter assembles the program.
func filter() ([]unix.SockFilter, error) {
	if auditArch == 0 {
		return nil, errors.New("no allow-list for this architecture")
	}
	errno := func(e unix.Errno) uint32 { return unix.SECCOMP_RET_ERRNO | uint32(e) }
	prog := []unix.SockFilter{
		stmt(bpfLdWAbs, offArch),
		jump(bpfJeqK, auditArch, 1, 0),
		stmt(bpfRetK, unix.SECCOMP_RET_KILL_PROCESS),
		stmt(bpfLdWAbs, offNr),
	}
	if auditArch == unix.AUDIT_ARCH_X86_64 {
		prog = append(prog, jump(bpfJgeK, x32Bit, 0, 1), stmt(bpfRetK, errno(unix.ENOSYS)))
	}
	// clone only for threads: a worker cannot fork a process that would
	// outlive it.
	prog = append(prog,
		jump(bpfJeqK, unix.SYS_CLONE, 0, 4),
		stmt(bpfLdWAbs, offArg0),
		jump(bpfJsetK, unix.CLONE_THREAD, 0, 1),
		stmt(bpfRetK, unix.SECCOMP_RET_ALLOW),
		stmt(bpfRetK, errno(unix.EPERM)),
	)
	for _, nr := range allowed {
		prog = append(prog, jump(bpfJeqK, uint32(nr), 0, 1), stmt(bpfRetK, unix.SECCOMP_RET_ALLOW))
	}
	prog = append(prog, jump(bpfJeqK, unix.SYS_CLONE3, 0, 1), stmt(bpfRetK, errno(unix.ENOSYS)))
	prog = append(prog, stmt(bpfRetK, errno(unix.EPERM)))
	return prog, nil
}

// loadSeccomp sets no_new_privs and loads the filter on every thread of the
// process (SECCOMP_FILTER_FLAG_TSYNC, which also sets no_new_privs on them).
func loadSeccomp() error {
	prog, err := filter()
	if err != nil {
		return err
	}
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("no_new_privs: %v", err)
	}
	fprog := unix.SockFprog{Len: uint16(len(prog)), Filter: &prog[0]}
	r, _, errno := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, unix.SECCOMP_FILTER_FLAG_TSYNC, uintptr(unsafe.Pointer(&fprog)))
	if errno != 0 {
		return fmt.Errorf("loading the filter: %v", errno)
	}
	if r != 0 {
		return fmt.Errorf("thread %d could not be synchronised", r)
	}
	return nil
}
