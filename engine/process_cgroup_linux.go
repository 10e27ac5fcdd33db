package engine

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// The OS memory cap of each worker, strongest first:
//
//  1. cgroup v2, where this host may give each worker a group of its own
//     with the memory controller: memory.max, memory.swap.max 0, the peak
//     from memory.peak (or memory.current polled), OOM kills counted in
//     memory.events;
//  2. the cgroup v1 memory controller, where its hierarchy is writable:
//     memory.limit_in_bytes, swappiness 0, max_usage_in_bytes, oom_control;
//  3. RLIMIT_AS and the worker's RSS polled by the parent
//     (memrlimit_linux.go).
//
// Either cgroup caps a worker per run at what it used before the run plus
// the run's memory budget plus 5%. Layers.Memory says which was chosen and
// why the stronger ones were not.

// memCap is the memory cap the pool gives its workers.
type memCap struct {
	ok     bool
	why    string // why there is no cgroup (or no cap at all)
	chosen string // which cap, and why not a stronger one (Layers.Memory)
	dir    string // the cgroup directory worker groups are made in
	v2     bool   // dir is in the unified hierarchy
	rlimit bool   // no cgroup: RLIMIT_AS and RSS polling (memrlimit_linux.go)
	// mkdir makes a worker's group (a variable for tests, whose fake
	// cgroupfs has no kernel to fill in the interface files).
	mkdir func(path string) error
}

// groupSeq numbers worker cgroups, which are named after the parent's pid
// and this number, so that the pools of several hosts in one process do
// not collide.
var groupSeq atomic.Int64

// memGroup is one worker's cgroup; nil when there is no memory cap.
type memGroup struct {
	dir   string
	v2    bool
	limit int64
	base  int64 // the usage the cap was set over
	rl    *rssCap

	mu     sync.Mutex
	polled int64 // v2 without memory.peak: the highest memory.current seen
}

// newMemCap picks the memory cap: mode "" or "auto" takes a cgroup where
// it can (v2, then v1) and RLIMIT_AS with RSS polling elsewhere; "rlimit"
// always takes the latter; "none" none.
func newMemCap(mode string) memCap {
	m := pickMemCap(mode)
	if m.chosen == "" {
		m.chosen = "none (" + m.why + ")"
	}
	return m
}

func pickMemCap(mode string) memCap {
	switch mode {
	case "", "auto":
		procCgroup, err1 := os.ReadFile("/proc/self/cgroup")
		mountinfo, err2 := os.ReadFile("/proc/self/mountinfo")
		if err := errors.Join(err1, err2); err != nil {
			return memCap{ok: true, rlimit: true, why: "cannot read this process's cgroups: " + err.Error(),
				chosen: "RLIMIT_AS and RSS polling (cannot read this process's cgroups)"}
		}
		paths := findCgroups(string(procCgroup), string(mountinfo))
		return chooseMemCap(probeV2(paths.v2, os.Getpid()), probeV1(paths.v1, os.Getpid()))
	case "rlimit":
		return memCap{ok: true, rlimit: true, why: "WorkerConfig.MemoryCap is rlimit",
			chosen: "RLIMIT_AS and RSS polling (WorkerConfig.MemoryCap is rlimit)"}
	case "none":
		return memCap{why: "WorkerConfig.MemoryCap is none"}
	}
	return memCap{why: fmt.Sprintf("unknown WorkerConfig.MemoryCap %q", mode)}
}

// chooseMemCap takes v2 where it is usable, else v1, else the rlimit
// fallback, and says why.
func chooseMemCap(v2, v1 memCap) memCap {
	switch {
	case v2.ok:
		v2.chosen = "cgroup v2 memory.max per worker under " + v2.dir
		return v2
	case v1.ok:
		v1.chosen = "cgroup v1 memory controller per worker under " + v1.dir + " (cgroup v2: " + v2.why + ")"
		return v1
	}
	why := "cgroup v2: " + v2.why + "; cgroup v1: " + v1.why
	return memCap{ok: true, rlimit: true, why: why, chosen: "RLIMIT_AS and RSS polling (" + why + ")"}
}

// cgroupPaths are the directories of this process's own cgroups.
type cgroupPaths struct {
	v2 string // in the unified hierarchy ("": none mounted)
	v1 string // in the v1 memory controller's hierarchy ("": none)
}

// findCgroups reads /proc/self/cgroup and /proc/self/mountinfo and returns
// the directories of this process's cgroups.
func findCgroups(procCgroup, mountinfo string) cgroupPaths {
	var v2Path, v1Path string
	hasV2, hasV1 := false, false
	for _, line := range strings.Split(procCgroup, "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		switch {
		case parts[0] == "0" && parts[1] == "":
			v2Path, hasV2 = parts[2], true
		case hasWord(strings.ReplaceAll(parts[1], ",", " "), "memory"):
			v1Path, hasV1 = parts[2], true
		}
	}
	var p cgroupPaths
	for _, line := range strings.Split(mountinfo, "\n") {
		// id parent major:minor root mountpoint options [optional...] - fstype source superoptions
		f := strings.Fields(line)
		sep := -1
		for i, x := range f {
			if x == "-" {
				sep = i
				break
			}
		}
		if sep < 5 || len(f) < sep+4 {
			continue
		}
		root, mnt, fstype, super := unescapeMount(f[3]), unescapeMount(f[4]), f[sep+1], f[sep+3]
		switch {
		case fstype == "cgroup2" && hasV2 && p.v2 == "":
			p.v2 = under(mnt, root, v2Path)
		case fstype == "cgroup" && hasV1 && p.v1 == "" && hasWord(strings.ReplaceAll(super, ",", " "), "memory"):
			p.v1 = under(mnt, root, v1Path)
		}
	}
	return p
}

// under returns the directory of cgroup path in a hierarchy mounted at mnt
// whose root is root ("": path is outside what is mounted).
func under(mnt, root, path string) string {
	rel, ok := strings.CutPrefix(path, root)
	if !ok || root != "/" && rel != "" && !strings.HasPrefix(rel, "/") {
		return ""
	}
	return filepath.Join(mnt, rel)
}

// unescapeMount undoes mountinfo's octal escapes (\040 for a space).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func hasWord(s, w string) bool {
	for _, x := range strings.Fields(s) {
		if x == w {
			return true
		}
	}
	return false
}

// probeV2 finds where this host may make worker groups with the memory
// controller in the unified hierarchy, own being its own group's directory:
//
//   - own, when memory is enabled in its cgroup.subtree_control or can be
//     (the kernel allows that only where own holds no process, the root
//     group aside, so rarely the host's own group);
//   - own's parent, when systemd delegated it to the host (its
//     trusted.delegate or user.delegate attribute is 1, Delegate=yes) and
//     memory is enabled in its cgroup.subtree_control: the host runs in a
//     leaf of its delegated group (DelegateSubgroup=), and its workers'
//     groups go beside that leaf.
//
// Either must be writable. The host never moves itself to another group.
func probeV2(own string, pid int) memCap {
	if own == "" {
		return memCap{why: "no cgroup v2 hierarchy holds this process"}
	}
	ctrl, err := os.ReadFile(filepath.Join(own, "cgroup.controllers"))
	if err != nil {
		return memCap{why: "cannot read " + filepath.Join(own, "cgroup.controllers") + ": " + errText(err)}
	}
	if !hasWord(string(ctrl), "memory") {
		return memCap{why: "the memory controller is not available to " + own + " (cgroup.controllers: " + strings.TrimSpace(string(ctrl)) + ")"}
	}
	enableErr := enableMemory(own)
	if enableErr == nil {
		if err := probeWritable(own, pid, "memory.max"); err != nil {
			return memCap{why: own + " cannot hold worker groups: " + errText(err)}
		}
		return memCap{ok: true, v2: true, dir: own}
	}
	parent := filepath.Dir(own)
	if !delegated(parent) {
		return memCap{why: "memory cannot be enabled in " + filepath.Join(own, "cgroup.subtree_control") + " (" + errText(enableErr) +
			"), and " + parent + " is not delegated to this host (systemd: Delegate=yes with DelegateSubgroup= runs the host in a leaf)"}
	}
	sub, err := os.ReadFile(filepath.Join(parent, "cgroup.subtree_control"))
	if err != nil || !hasWord(string(sub), "memory") {
		return memCap{why: "memory is not enabled in " + filepath.Join(parent, "cgroup.subtree_control") + ", the delegated group"}
	}
	if err := probeWritable(parent, pid, "memory.max"); err != nil {
		return memCap{why: "the delegated group " + parent + " cannot hold worker groups: " + errText(err)}
	}
	return memCap{ok: true, v2: true, dir: parent}
}

// enableMemory makes sure memory is enabled in dir's cgroup.subtree_control.
func enableMemory(dir string) error {
	path := filepath.Join(dir, "cgroup.subtree_control")
	sub, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if hasWord(string(sub), "memory") {
		return nil
	}
	if err := writeFile(path, "+memory"); err != nil {
		if errors.Is(err, unix.EBUSY) {
			return fmt.Errorf("%w: the group holds processes of its own", err)
		}
		return err
	}
	return nil
}

// delegated says whether systemd delegated dir (Delegate=yes): it marks
// such groups with a trusted.delegate (system) or user.delegate (user
// manager) attribute of "1".
func delegated(dir string) bool {
	buf := make([]byte, 8)
	for _, name := range []string{"trusted.delegate", "user.delegate"} {
		n, err := unix.Getxattr(dir, name, buf)
		if err == nil && string(buf[:n]) == "1" {
			return true
		}
	}
	return false
}

// probeV1 checks that worker groups can be made in own, this process's
// group in the v1 memory controller's hierarchy.
func probeV1(own string, pid int) memCap {
	if own == "" {
		return memCap{why: "no cgroup v1 memory controller"}
	}
	if err := probeWritable(own, pid, "memory.limit_in_bytes"); err != nil {
		return memCap{why: "the memory cgroup " + own + " is not writable: " + errText(err)}
	}
	return memCap{ok: true, dir: own}
}

// probeWritable makes and removes a group in dir, and removes the groups
// of parents that are gone. A group the kernel filled in (it has
// cgroup.procs) must have want, the file that shows its memory controller.
func probeWritable(dir string, pid int, want string) error {
	probe := filepath.Join(dir, fmt.Sprintf("scriptrun-%d-probe", pid))
	if err := os.Mkdir(probe, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	var err error
	if _, e := os.Stat(filepath.Join(probe, "cgroup.procs")); e == nil {
		if _, e := os.Stat(filepath.Join(probe, want)); e != nil {
			err = fmt.Errorf("a new group in it has no %s", want)
		}
	}
	_ = os.Remove(probe)
	sweepStale(dir)
	return err
}

func errText(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
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

// writeFile writes s to an existing cgroup file (a fake cgroupfs in tests
// gets it created).
func writeFile(path, s string) error { return os.WriteFile(path, []byte(s), 0o644) }

// writeIfExists writes s to a cgroup file the kernel may not have (swap
// accounting off, an older kernel).
func writeIfExists(path, s string) error {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return writeFile(path, s)
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
	g := &memGroup{dir: filepath.Join(m.dir, fmt.Sprintf("scriptrun-%d-%d", os.Getpid(), n)), v2: m.v2}
	mkdir := m.mkdir
	if mkdir == nil {
		mkdir = func(path string) error { return os.Mkdir(path, 0o755) }
	}
	if err := mkdir(g.dir); err != nil {
		return nil, err
	}
	if err := g.setup(pid); err != nil {
		_ = os.Remove(g.dir)
		return nil, err
	}
	return g, nil
}

// setup configures a new group and moves pid into it.
func (g *memGroup) setup(pid int) error {
	if g.v2 {
		// No swap for workers: a capped worker must not page its way
		// past its cap (the file is absent without swap accounting).
		if err := writeIfExists(filepath.Join(g.dir, "memory.swap.max"), "0"); err != nil {
			return err
		}
		// The OOM killer ends the worker as a whole.
		if err := writeIfExists(filepath.Join(g.dir, "memory.oom.group"), "1"); err != nil {
			return err
		}
	} else {
		// No swap for workers; the worker's memory from before it joined
		// moves with it, so the group counts all of it.
		_ = writeFile(filepath.Join(g.dir, "memory.swappiness"), "0")
		_ = writeFile(filepath.Join(g.dir, "memory.move_charge_at_immigrate"), "3")
	}
	return writeFile(filepath.Join(g.dir, "cgroup.procs"), strconv.Itoa(pid))
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
	if err := g.setLimit(budget); err != nil {
		return err
	}
	wk.budget = budget
	return nil
}

// setLimit sets the group's cap to its usage now plus budget plus 5%.
func (g *memGroup) setLimit(budget int64) error {
	usage, limit := "memory.usage_in_bytes", "memory.limit_in_bytes"
	if g.v2 {
		usage, limit = "memory.current", "memory.max"
	}
	used, err := readInt(filepath.Join(g.dir, usage))
	if err != nil {
		return err
	}
	lim := used + budget + budget/20
	if err := writeFile(filepath.Join(g.dir, limit), strconv.FormatInt(lim, 10)); err != nil {
		return err
	}
	g.mu.Lock()
	g.limit, g.base, g.polled = lim, used, max(g.polled, used)
	g.mu.Unlock()
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
	if g.v2 {
		ev := readKeyed(filepath.Join(g.dir, "memory.events"))
		return ev["oom_kill"] > 0 || ev["oom_group_kill"] > 0
	}
	return readKeyed(filepath.Join(g.dir, "memory.oom_control"))["oom_kill"] > 0
}

// readKeyed reads a cgroup file of "key value" lines.
func readKeyed(path string) map[string]int64 {
	out := map[string]int64{}
	data, err := os.ReadFile(path)
	if err != nil {
		return out
	}
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
			out[k] = n
		}
	}
	return out
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
	file := "memory.max_usage_in_bytes"
	if g.v2 {
		file = "memory.peak"
	}
	n, err := readInt(filepath.Join(g.dir, file))
	g.mu.Lock()
	defer g.mu.Unlock()
	if err != nil && g.v2 {
		// memory.peak is Linux 5.19+; before that, what watch saw.
		n = g.polled
	}
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

// watch polls the worker's memory during a run where the kernel does not
// keep it: the RSS where there is no cgroup (rssCap), memory.current on a
// cgroup v2 without memory.peak. It returns the function that stops it.
func (g *memGroup) watch(wk *worker) (stop func()) {
	switch {
	case g == nil:
		return func() {}
	case g.rl != nil:
		return g.rl.watch(wk.kill)
	case g.v2:
		if _, err := os.Stat(filepath.Join(g.dir, "memory.peak")); err == nil {
			return func() {}
		}
		return g.pollCurrent()
	}
	return func() {}
}

// pollCurrent records the highest memory.current until stopped.
func (g *memGroup) pollCurrent() (stop func()) {
	return poll(rssInterval, func() bool {
		n, err := readInt(filepath.Join(g.dir, "memory.current"))
		if err != nil {
			return false
		}
		g.mu.Lock()
		g.polled = max(g.polled, n)
		g.mu.Unlock()
		return true
	})
}
