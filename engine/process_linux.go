package engine

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/scriptrun/scriptrun/engine/internal/wire"
)

// helloTimeout bounds how long a starting worker may take to say hello (a
// variable for tests).
var helloTimeout = 10 * time.Second

// netnsState remembers whether this machine lets us give workers their own
// network namespace (probed on the first start).
var netnsState struct {
	sync.Mutex
	probed, ok bool
	why        string
}

// startWorker starts one worker process and reads its hello. The worker
// gets three pipes: fd 3 (runs and replies from us), fd 4 (its frames to
// us), fd 5 (stop frames from us, read by a goroutine of its own so that a
// stop reaches a script that is computing).
func startWorker(p *pool) (*worker, error) {
	toR, toW, err := pipe()
	if err != nil {
		return nil, err
	}
	fromR, fromW, err := pipe()
	if err != nil {
		toR.Close()
		toW.Close()
		return nil, err
	}
	stopR, stopW, err := pipe()
	if err != nil {
		toR.Close()
		toW.Close()
		fromR.Close()
		fromW.Close()
		return nil, err
	}
	closeAll := func() {
		for _, f := range []*os.File{toR, toW, fromR, fromW, stopR, stopW} {
			f.Close()
		}
	}

	stderr := &tailBuffer{}
	mk := func(netns bool) *exec.Cmd {
		cmd := exec.Command(p.argv[0], p.argv[1:]...)
		// An empty environment but for the role marker; "/" as the working
		// directory; the protocol on fds 3 (in) and 4 (out).
		cmd.Env = []string{WorkerEnv + "=" + workerProtocol}
		cmd.Dir = "/"
		cmd.ExtraFiles = []*os.File{toR, fromW, stopR}
		cmd.Stderr = stderr
		// Wait must not hang on the stderr pipe if something the worker
		// left behind still holds it.
		cmd.WaitDelay = time.Second
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if netns {
			cmd.SysProcAttr.Cloneflags = syscall.CLONE_NEWNET
		}
		return cmd
	}
	netnsState.Lock()
	tryNetns := !netnsState.probed || netnsState.ok
	netnsState.Unlock()
	cmd := mk(tryNetns)
	err = cmd.Start()
	if err != nil && tryNetns {
		netnsState.Lock()
		if !netnsState.probed {
			netnsState.probed, netnsState.ok, netnsState.why = true, false, "cannot create a network namespace: "+err.Error()
		}
		netnsState.Unlock()
		cmd = mk(false)
		err = cmd.Start()
	} else if err == nil && tryNetns {
		netnsState.Lock()
		netnsState.probed, netnsState.ok = true, true
		netnsState.Unlock()
	}
	if err != nil {
		closeAll()
		return nil, err
	}
	toR.Close()
	fromW.Close()
	stopR.Close()
	wk := &worker{pid: cmd.Process.Pid, cmd: cmd, toW: toW, fromW: fromR, stopW: stopW, stderr: stderr,
		done: make(chan struct{}), r: wire.NewReader(fromR, 0), w: wire.NewWriter(toW, 0), sw: wire.NewWriter(stopW, 0)}
	if !p.track(wk) {
		// The pool closed while this one started.
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		closeAll()
		return nil, errors.New("the host is closed")
	}
	go func() {
		defer p.wg.Done()
		wk.err = cmd.Wait()
		close(wk.done)
	}()
	wk.cg, err = p.mem.add(wk.pid)
	if err != nil {
		wk.kill()
		wk.wait()
		p.forget(wk)
		return nil, fmt.Errorf("memory cap: %w", err)
	}

	// The pipes are blocking (see pipe): a worker that does not say hello
	// in time is killed, which ends the read.
	helloTimer := time.AfterFunc(helloTimeout, wk.kill)
	typ, payload, err := wk.r.Next()
	if !helloTimer.Stop() {
		err = fmt.Errorf("no hello within %v", helloTimeout)
	}
	var hello *wire.Hello
	if err == nil {
		var m wire.Message
		m, err = wire.Decode(typ, payload)
		if err == nil {
			var ok bool
			if hello, ok = m.(*wire.Hello); !ok {
				err = fmt.Errorf("first frame is %s, not hello", typ)
			}
		}
	}
	if err != nil {
		wk.kill()
		wk.wait()
		p.forget(wk)
		if tail := strings.TrimSpace(wk.stderr.String()); tail != "" {
			first, _, _ := strings.Cut(tail, "\n")
			err = fmt.Errorf("%w (stderr: %s)", err, first)
		} else if wk.err != nil {
			err = fmt.Errorf("%w (%v)", err, wk.err)
		}
		return nil, fmt.Errorf("worker did not start: %w", err)
	}
	wk.layers = Layers{Missing: map[string]string{}}
	wk.layers.InForce = append(wk.layers.InForce, hello.Layers...)
	for _, m := range hello.Missing {
		name, why, _ := strings.Cut(m, ": ")
		wk.layers.Missing[name] = why
	}
	wk.layers.Memory = p.mem.chosen
	if p.mem.ok {
		wk.layers.InForce = append(wk.layers.InForce, LayerMemory)
		if p.mem.rlimit {
			// In force, but the weaker form: say why it is not a cgroup.
			wk.layers.Missing["memory-cgroup"] = p.mem.why
		}
	} else {
		wk.layers.Missing[LayerMemory] = p.mem.why
	}
	netnsState.Lock()
	if netnsState.ok {
		wk.layers.InForce = append(wk.layers.InForce, LayerNetNS)
	} else {
		wk.layers.Missing[LayerNetNS] = netnsState.why
	}
	netnsState.Unlock()
	return wk, nil
}

// pipe returns a pipe in blocking mode that the Go runtime's poller does
// not watch (os.Pipe's ends are non-blocking and registered with epoll).
// The run holding a worker reads its frames with blocking reads on its own
// thread, so a host call's round trip wakes that thread directly; with the
// read end in epoll every frame would also wake the thread parked in the
// poller, for nothing (a context switch and an epoll_wait per frame). A
// read or write blocked on a worker that stopped answering ends when the
// worker is killed (the watchdog's grace, the hello timeout, Close).
func pipe() (r, w *os.File, err error) {
	var fds [2]int
	if err := unix.Pipe2(fds[:], unix.O_CLOEXEC); err != nil {
		return nil, nil, os.NewSyscallError("pipe2", err)
	}
	return os.NewFile(uintptr(fds[0]), "|0"), os.NewFile(uintptr(fds[1]), "|1"), nil
}

// killGroup kills the process group pid leads.
func killGroup(pid int) { _ = syscall.Kill(-pid, syscall.SIGKILL) }

// processCPU returns the CPU time process pid has used so far, from its
// kernel CPU clock (0 when it cannot be read).
func processCPU(pid int) time.Duration {
	var ts unix.Timespec
	// The clock ID of a process's CPU time: MAKE_PROCESS_CPUCLOCK(pid,
	// CPUCLOCK_SCHED) in the kernel's posix-timers.h.
	if err := unix.ClockGettime(int32(^pid<<3|2), &ts); err != nil {
		return 0
	}
	return time.Duration(ts.Nano())
}
