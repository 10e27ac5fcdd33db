//go:build linux

package worker

import (
	"debug/elf"
	"fmt"
	"os"
	"runtime"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/scriptrun/scriptrun/engine"
)

// Containment, in two stages.
//
// Landlock and no_new_privs apply to the calling thread only, and a Go
// program has several threads before main runs. Both are inherited across
// execve, which also ends every other thread. So stage 1 (the process the
// host started) restricts its locked main thread and executes itself again;
// stage 2, the worker proper, starts restricted as a whole. seccomp, which
// can synchronise all threads (TSYNC), is loaded in stage 2 once the worker
// has set itself up (lockdown), so the Go runtime's start-up may open what
// it needs.

// stageEnv marks stage 2 and carries what stage 1 did: "layer,layer|name:
// why;name: why".
const stageEnv = "SCRIPTRUN_WORKER_STAGE"

// Limits of the worker's resources (rlimits).
const (
	maxFiles = 64 // the pipes, stdio, the Go runtime's poller, and room
)

// contain applies the layers a worker gets before it serves: stage 1 re-
// executes the process under Landlock and never returns; stage 2 clears the
// environment and reports what stage 1 did.
func contain() (layers, missing []string) {
	stage, ok := os.LookupEnv(stageEnv)
	if !ok {
		stage1()
		// stage1 returns only when there is nothing to re-execute for.
	}
	os.Clearenv()
	_ = os.Chdir("/")
	done, why, _ := strings.Cut(stage, "|")
	for _, l := range strings.Split(done, ",") {
		if l != "" {
			layers = append(layers, l)
		}
	}
	for _, m := range strings.Split(why, ";") {
		if m != "" {
			missing = append(missing, m)
		}
	}
	if !ok {
		layers, missing = rlimits(layers, missing)
	}
	return layers, missing
}

// stage1 restricts this thread (rlimits, no_new_privs, Landlock) and
// executes the worker again; it returns when Landlock is not available
// (the worker then runs without it, and says so).
func stage1() {
	runtime.LockOSThread()
	var layers, missing []string
	layers, missing = rlimits(layers, missing)
	exe, err := os.Executable()
	if err != nil {
		missing = append(missing, engine.LayerLandlock+": cannot find the executable: "+err.Error())
		setStage(layers, missing)
		return
	}
	// no_new_privs on this thread (Landlock requires it) is process-wide
	// after the exec; without the exec, seccomp sets it on every thread.
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		missing = append(missing, engine.LayerLandlock+": no_new_privs: "+err.Error())
		setStage(layers, missing)
		return
	}
	if err := landlock(exe); err != nil {
		missing = append(missing, engine.LayerLandlock+": "+err.Error())
		setStage(layers, missing)
		return
	}
	layers = append(layers, engine.LayerNoNewPrivs, engine.LayerLandlock)
	env := []string{engine.WorkerEnv + "=" + os.Getenv(engine.WorkerEnv), stageEnv + "=" + stageValue(layers, missing)}
	err = syscall.Exec(exe, os.Args, env)
	// Landlock is in force on this thread but the exec failed: fail closed.
	fmt.Fprintln(os.Stderr, "scriptrun worker: re-executing under Landlock:", err)
	os.Exit(2)
}

func stageValue(layers, missing []string) string {
	return strings.Join(layers, ",") + "|" + strings.Join(missing, ";")
}

// setStage records the layers of a worker that did not re-execute.
func setStage(layers, missing []string) {
	_ = os.Setenv(stageEnv, stageValue(layers, missing))
}

// rlimits makes core dumps impossible and bounds open files (the process's
// limits, inherited by stage 2).
func rlimits(layers, missing []string) ([]string, []string) {
	if slicesContains(layers, engine.LayerRlimits) {
		return layers, missing
	}
	if err := unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{}); err != nil {
		return layers, append(missing, engine.LayerRlimits+": RLIMIT_CORE: "+err.Error())
	}
	if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &unix.Rlimit{Cur: maxFiles, Max: maxFiles}); err != nil {
		return layers, append(missing, engine.LayerRlimits+": RLIMIT_NOFILE: "+err.Error())
	}
	return append(layers, engine.LayerRlimits), missing
}

func slicesContains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// landlock restricts this thread to no file system access at all, except
// executing exe (stage 2 is exe). Every access right of the kernel's ABI is
// handled, TCP bind/connect are denied (ABI 4), and signals and abstract
// unix sockets outside the domain are scoped away (ABI 6).
func landlock(exe string) error {
	abi, _, errno := unix.Syscall(unix.SYS_LANDLOCK_CREATE_RULESET, 0, 0, unix.LANDLOCK_CREATE_RULESET_VERSION)
	if errno != 0 {
		return fmt.Errorf("not available (%v)", errno)
	}
	fs := uint64(1<<13 - 1) // ABI 1: EXECUTE .. MAKE_SYM
	if abi >= 2 {
		fs |= unix.LANDLOCK_ACCESS_FS_REFER
	}
	if abi >= 3 {
		fs |= unix.LANDLOCK_ACCESS_FS_TRUNCATE
	}
	if abi >= 5 {
		fs |= unix.LANDLOCK_ACCESS_FS_IOCTL_DEV
	}
	attr := unix.LandlockRulesetAttr{Handled_access_fs: fs}
	size := unsafe.Sizeof(attr.Handled_access_fs)
	if abi >= 4 {
		attr.Handled_access_net = unix.LANDLOCK_ACCESS_NET_BIND_TCP | unix.LANDLOCK_ACCESS_NET_CONNECT_TCP
		size += unsafe.Sizeof(attr.Handled_access_net)
	}
	if abi >= 6 {
		attr.Scoped = unix.LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | unix.LANDLOCK_SCOPE_SIGNAL
		size += unsafe.Sizeof(attr.Scoped)
	}
	rfd, _, errno := unix.Syscall(unix.SYS_LANDLOCK_CREATE_RULESET, uintptr(unsafe.Pointer(&attr)), size, 0)
	if errno != 0 {
		return fmt.Errorf("create ruleset: %v", errno)
	}
	defer unix.Close(int(rfd))
	const rx = unix.LANDLOCK_ACCESS_FS_EXECUTE | unix.LANDLOCK_ACCESS_FS_READ_FILE
	if err := allow(int(rfd), exe, rx); err != nil {
		return err
	}
	// A dynamically linked executable (a cgo build) needs its loader and
	// the system's shared libraries, read-only, to start.
	if interp := interpreter(exe); interp != "" {
		if err := allow(int(rfd), interp, rx); err != nil {
			return err
		}
		for _, p := range []string{"/etc/ld.so.cache", "/lib", "/lib64", "/usr/lib", "/usr/lib64"} {
			if _, err := os.Stat(p); err == nil {
				if err := allow(int(rfd), p, unix.LANDLOCK_ACCESS_FS_READ_FILE); err != nil {
					return err
				}
			}
		}
	}
	if _, _, errno := unix.Syscall(unix.SYS_LANDLOCK_RESTRICT_SELF, rfd, 0, 0); errno != 0 {
		return fmt.Errorf("restrict self: %v", errno)
	}
	return nil
}

// allow adds a Landlock rule granting access beneath path.
func allow(ruleset int, path string, access uint64) error {
	fd, err := unix.Open(path, unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open %s: %v", path, err)
	}
	defer unix.Close(fd)
	rule := unix.LandlockPathBeneathAttr{Allowed_access: access, Parent_fd: int32(fd)}
	if _, _, errno := unix.Syscall6(unix.SYS_LANDLOCK_ADD_RULE, uintptr(ruleset), unix.LANDLOCK_RULE_PATH_BENEATH, uintptr(unsafe.Pointer(&rule)), 0, 0, 0); errno != 0 {
		return fmt.Errorf("add rule for %s: %v", path, errno)
	}
	return nil
}

// interpreter returns the ELF interpreter (dynamic loader) of exe, or "".
func interpreter(exe string) string {
	f, err := elf.Open(exe)
	if err != nil {
		return ""
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			b := make([]byte, p.Filesz)
			if _, err := p.ReadAt(b, 0); err != nil {
				return ""
			}
			return strings.TrimRight(string(b), "\x00")
		}
	}
	return ""
}

// lockdown loads the seccomp allow-list (seccomp.go) on every thread
// (TSYNC), with no_new_privs.
func lockdown() (layers, missing []string) {
	if err := loadSeccomp(); err != nil {
		return nil, []string{engine.LayerSeccomp + ": " + err.Error()}
	}
	return []string{engine.LayerSeccomp, engine.LayerNoNewPrivs}, nil
}
