package engine

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
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

// memCap gives each worker a memory cgroup (v1 memory controller) under the
// parent's own, with memory.limit_in_bytes set to what the worker used
// before the run plus the run's memory budget and 5%.
type memCap struct {
	ok     bool
	why    string
	dir    string // the parent's memory cgroup directory
	rlimit bool   // no cgroup: RLIMIT_AS and RSS polling (memrlimit_linux.go)
}

// groupSeq numbers worker cgroups, which are named after the parent's pid
// and this number, so that the pools of several hosts in one process do
// not collide.
var groupSeq atomic.Int64

// memGroup is one worker's cgroup; nil when there is no memory cap.
type memGroup struct {
	dir   string
	limit int64
	base  int64 // the usage the cap was set over
	rl    *rssCap
}

const cgroupV1Memory = "/sys/fs/cgroup/memory"

// newMemCap picks the memory cap: mode "" or "auto" takes a cgroup where
// it can and RLIMIT_AS with RSS polling elsewhere; "rlimit" always takes
// the latter; "none" none.
func newMemCap(mode string) memCap {
	switch mode {
	case "", "auto":
		m := cgroupCap()
		if !m.ok {
			return memCap{ok: true, rlimit: true, why: m.why}
		}
		return m
	case "rlimit":
		return memCap{ok: true, rlimit: true, why: "WorkerConfig.MemoryCap is rlimit"}
	case "none":
		return memCap{why: "WorkerConfig.MemoryCap is none"}
	}
	return memCap{why: fmt.Sprintf("unknown WorkerConfig.MemoryCap %q", mode)}
}

func cgroupCap() memCap {
	data, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return memCap{why: "cannot read /proc/self/cgroup: " + err.Error()}
	}
	var rel string
	found := false
	for _, line := range strings.Split(string(data), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) == 3 && slicesContains(strings.Split(parts[1], ","), "memory") {
			rel, found = parts[2], true
		}
	}
	if !found {
		return memCap{why: "no cgroup v1 memory controller (cgroup v2 delegation is not supported yet)"}
	}
	dir := filepath.Join(cgroupV1Memory, rel)
	probe := filepath.Join(dir, fmt.Sprintf("scriptrun-%d-probe", os.Getpid()))
	if err := os.Mkdir(probe, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
		return memCap{why: "the memory cgroup " + dir + " is not writable: " + err.Error()}
	}
	_ = os.Remove(probe)
	sweepStale(dir)
	return memCap{ok: true, dir: dir}
}

func slicesContains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// sweepStale removes the worker cgroups of parents that are gone.
func sweepStale(dir string) {
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		name := e.Name()
		rest, ok := strings.CutPrefix(name, "scriptrun-")
		if !ok || !e.IsDir() {
			continue
		}
		pidStr, _, _ := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidStr)
		if err != nil || pid == os.Getpid() {
			continue
		}
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			_ = os.Remove(filepath.Join(dir, name))
		}
	}
}

// add puts pid in a new cgroup of its own.
func (m *memCap) add(pid int) (*memGroup, error) {
	if !m.ok {
		return nil, nil
	}
	if m.rlimit {
		return &memGroup{rl: &rssCap{pid: pid}}, nil
	}
	n := groupSeq.Add(1)
	g := &memGroup{dir: filepath.Join(m.dir, fmt.Sprintf("scriptrun-%d-%d", os.Getpid(), n))}
	if err := os.Mkdir(g.dir, 0o755); err != nil {
		return nil, err
	}
	// No swap for workers: a capped worker must not page its way past it.
	_ = os.WriteFile(filepath.Join(g.dir, "memory.swappiness"), []byte("0"), 0)
	// The worker's memory from before it joined moves with it, so the
	// group counts all of it.
	_ = os.WriteFile(filepath.Join(g.dir, "memory.move_charge_at_immigrate"), []byte("3"), 0)
	if err := os.WriteFile(filepath.Join(g.dir, "cgroup.procs"), []byte(strconv.Itoa(pid)), 0); err != nil {
		_ = os.Remove(g.dir)
		return nil, err
	}
	return g, nil
}

func (m *memCap) close() {}

// setBudget caps the worker for a run with the given memory budget: what it
// uses now plus the budget plus 5% (the worker's own heap guard stops the
// run at the budget; the cap catches what it cannot see in time). Unchanged
// budgets keep the cap.
func (g *memGroup) setBudget(wk *worker, budget int64) error {
	if g != nil && g.rl != nil {
		return g.rl.setBudget(budget)
	}
	if g == nil || wk.budget == budget && g.limit > 0 {
		return nil
	}
	used, err := readInt(filepath.Join(g.dir, "memory.usage_in_bytes"))
	if err != nil {
		return err
	}
	limit := used + budget + budget/20
	if err := os.WriteFile(filepath.Join(g.dir, "memory.limit_in_bytes"), []byte(strconv.FormatInt(limit, 10)), 0); err != nil {
		return err
	}
	g.limit, g.base, wk.budget = limit, used, budget
	return nil
}

// oomKilled reports whether the cgroup's OOM killer killed a process in it.
func (g *memGroup) oomKilled(stderr string) bool {
	if g == nil {
		return false
	}
	if g.rl != nil {
		return g.rl.exceeded(stderr)
	}
	data, err := os.ReadFile(filepath.Join(g.dir, "memory.oom_control"))
	if err != nil {
		return false
	}
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "oom_kill "); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(v))
			return n > 0
		}
	}
	return false
}

// peak returns the cgroup's peak usage and the usage the cap was last set
// over, in bytes.
func (g *memGroup) peak() (peak, base int64) {
	if g == nil {
		return 0, 0
	}
	if g.rl != nil {
		return g.rl.peak()
	}
	n, _ := readInt(filepath.Join(g.dir, "memory.max_usage_in_bytes"))
	return n, g.base
}

// remove deletes the cgroup once its process has exited.
func (g *memGroup) remove() {
	if g == nil || g.rl != nil {
		return
	}
	for i := 0; i < 50; i++ {
		if err := os.Remove(g.dir); err == nil || errors.Is(err, os.ErrNotExist) {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func readInt(path string) (int64, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
}

// killGroup kills the process group pid leads.
func killGroup(pid int) { _ = syscall.Kill(-pid, syscall.SIGKILL) }

// watch polls the worker's memory during a run where there is no cgroup
// (see rssCap); it returns the function that stops it.
func (g *memGroup) watch(wk *worker) (stop func()) {
	if g == nil || g.rl == nil {
		return func() {}
	}
	return g.rl.watch(wk.kill)
}
