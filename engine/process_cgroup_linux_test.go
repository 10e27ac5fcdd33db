package engine

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// These tests run the cgroup file logic (process_cgroup_linux.go) against
// a temporary directory laid out like cgroupfs, with a fake "kernel" that
// fills in a new group's interface files. They check what scriptrun reads
// and writes, not what the kernel does with it: the real cgroup v2 path
// (memory.max enforced, OOM kills counted in memory.events) runs only on a
// machine whose unified hierarchy has the memory controller delegated to
// the host, which the machine these tests were written on does not have
// (its cgroup v2 mount has no memory controller; it has cgroup v1's).
// engine/worker's TestMemory exercises whichever cap the machine has.

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(data))
}

func TestFindCgroups(t *testing.T) {
	const (
		v2Mount     = "25 1 0:22 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n"
		hybridMount = "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n" +
			"35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n" +
			"36 31 0:33 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct\n" +
			"41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
	)
	tests := []struct {
		name, procCgroup, mountinfo string
		want                        cgroupPaths
	}{
		{"unified", "0::/system.slice/app.service/host\n", v2Mount,
			cgroupPaths{v2: "/sys/fs/cgroup/system.slice/app.service/host"}},
		{"hybrid", "4:memory:/jobs/a\n3:cpu,cpuacct:/\n0::/\n", hybridMount,
			cgroupPaths{v2: "/sys/fs/cgroup/unified", v1: "/sys/fs/cgroup/memory/jobs/a"}},
		{"v1 only", "4:memory:/jobs/a\n", "35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n",
			cgroupPaths{v1: "/sys/fs/cgroup/memory/jobs/a"}},
		{"mounted subtree", "0::/docker/abc/sub\n", "25 1 0:22 /docker/abc /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
			cgroupPaths{v2: "/sys/fs/cgroup/sub"}},
		{"outside the mounted subtree", "0::/docker/abcd\n", "25 1 0:22 /docker/abc /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
			cgroupPaths{}},
		{"escaped mount point", "0::/a\n", `25 1 0:22 / /run/cg\040x rw - cgroup2 cgroup2 rw` + "\n",
			cgroupPaths{v2: "/run/cg x/a"}},
		{"no cgroup mounted", "0::/a\n", "1 0 8:1 / / rw - ext4 /dev/vda rw\n", cgroupPaths{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := findCgroups(tt.procCgroup, tt.mountinfo); got != tt.want {
				t.Errorf("findCgroups() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestProbeV2(t *testing.T) {
	// setXattr marks dir delegated as systemd does (user.delegate is
	// systemd's mark for a user manager's groups).
	setXattr := func(t *testing.T, dir string) {
		t.Helper()
		if err := unix.Setxattr(dir, "user.delegate", []byte("1"), 0); err != nil {
			t.Skipf("the temporary file system has no user xattrs to play systemd's delegation mark: %v", err)
		}
	}
	t.Run("no memory controller", func(t *testing.T) {
		own := t.TempDir()
		writeFiles(t, own, map[string]string{"cgroup.controllers": "cpu pids\n", "cgroup.subtree_control": ""})
		m := probeV2(own, 1)
		if m.ok || !strings.Contains(m.why, "not available") {
			t.Errorf("probeV2() = %+v, want not ok: memory not available", m)
		}
	})
	t.Run("memory enabled below its own group", func(t *testing.T) {
		own := t.TempDir()
		writeFiles(t, own, map[string]string{"cgroup.controllers": "cpu memory pids\n", "cgroup.subtree_control": "memory pids\n"})
		if m := probeV2(own, 1); !m.ok || !m.v2 || m.dir != own {
			t.Errorf("probeV2() = %+v, want v2 in %s", m, own)
		}
	})
	t.Run("new groups without memory.max", func(t *testing.T) {
		// The kernel fills a new group in; one without memory.max has no
		// memory controller, whatever subtree_control said. The fake's
		// probe group is made beforehand (the probe accepts an existing
		// one).
		own := t.TempDir()
		writeFiles(t, own, map[string]string{"cgroup.controllers": "memory\n", "cgroup.subtree_control": "memory\n"})
		writeFiles(t, filepath.Join(own, "scriptrun-1-probe"), map[string]string{"cgroup.procs": "", "pids.max": "max\n"})
		if m := probeV2(own, 1); m.ok || !strings.Contains(m.why, "no memory.max") {
			t.Errorf("probeV2() = %+v, want not ok: new groups have no memory.max", m)
		}
	})
	t.Run("memory can be enabled", func(t *testing.T) {
		own := t.TempDir()
		writeFiles(t, own, map[string]string{"cgroup.controllers": "memory\n", "cgroup.subtree_control": ""})
		if m := probeV2(own, 1); !m.ok || m.dir != own {
			t.Errorf("probeV2() = %+v, want v2 in %s", m, own)
		}
		if got := readFile(t, filepath.Join(own, "cgroup.subtree_control")); got != "+memory" {
			t.Errorf("cgroup.subtree_control was written %q, want +memory", got)
		}
	})
	// A group that holds processes cannot enable memory for children (the
	// kernel answers EBUSY); the fake cannot refuse a write, so its
	// cgroup.subtree_control is a directory, which refuses it too.
	cannotEnable := func(t *testing.T) (parent, own string) {
		parent = t.TempDir()
		own = filepath.Join(parent, "host")
		writeFiles(t, own, map[string]string{"cgroup.controllers": "memory\n"})
		if err := os.Mkdir(filepath.Join(own, "cgroup.subtree_control"), 0o755); err != nil {
			t.Fatal(err)
		}
		return parent, own
	}
	t.Run("cannot enable, parent not delegated", func(t *testing.T) {
		_, own := cannotEnable(t)
		m := probeV2(own, 1)
		if m.ok || !strings.Contains(m.why, "not delegated") {
			t.Errorf("probeV2() = %+v, want not ok: parent not delegated", m)
		}
	})
	t.Run("delegated parent", func(t *testing.T) {
		parent, own := cannotEnable(t)
		writeFiles(t, parent, map[string]string{"cgroup.subtree_control": "memory pids\n"})
		setXattr(t, parent)
		if m := probeV2(own, 1); !m.ok || m.dir != parent {
			t.Errorf("probeV2() = %+v, want v2 in the delegated parent %s", m, parent)
		}
	})
	t.Run("delegated parent without memory", func(t *testing.T) {
		parent, own := cannotEnable(t)
		writeFiles(t, parent, map[string]string{"cgroup.subtree_control": "pids\n"})
		setXattr(t, parent)
		if m := probeV2(own, 1); m.ok || !strings.Contains(m.why, "memory is not enabled") {
			t.Errorf("probeV2() = %+v, want not ok: memory not enabled in the delegated group", m)
		}
	})
	t.Run("no unified hierarchy", func(t *testing.T) {
		if m := probeV2("", 1); m.ok {
			t.Errorf("probeV2(\"\") = %+v", m)
		}
	})
}

func TestChooseMemCap(t *testing.T) {
	v2 := memCap{ok: true, v2: true, dir: "/cg2/app"}
	v1 := memCap{ok: true, dir: "/cg1/memory/app"}
	noV2 := memCap{why: "no v2 here"}
	noV1 := memCap{why: "no v1 here"}
	if m := chooseMemCap(v2, v1); !m.v2 || !strings.Contains(m.chosen, "cgroup v2") {
		t.Errorf("v2 and v1: chose %+v, want v2", m)
	}
	if m := chooseMemCap(noV2, v1); m.v2 || m.dir != v1.dir || !strings.Contains(m.chosen, "cgroup v1") || !strings.Contains(m.chosen, "no v2 here") {
		t.Errorf("v1 only: chose %+v, want v1 saying why not v2", m)
	}
	m := chooseMemCap(noV2, noV1)
	if !m.ok || !m.rlimit || !strings.Contains(m.chosen, "RLIMIT_AS") || !strings.Contains(m.why, "no v2 here") || !strings.Contains(m.why, "no v1 here") {
		t.Errorf("neither: chose %+v, want the rlimit fallback saying why not v2 or v1", m)
	}
}

// fakeKernel returns a mkdir for memCap that makes a group with the
// interface files the kernel would give it.
func fakeKernel(t *testing.T, files map[string]string) func(string) error {
	return func(path string) error {
		if err := os.Mkdir(path, 0o755); err != nil {
			return err
		}
		writeFiles(t, path, files)
		return nil
	}
}

func TestGroupV2(t *testing.T) {
	files := map[string]string{
		"cgroup.procs": "", "memory.current": "4096\n", "memory.max": "max\n", "memory.peak": "8192\n",
		"memory.swap.max": "max\n", "memory.oom.group": "0\n",
		"memory.events": "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n",
	}
	m := &memCap{ok: true, v2: true, dir: t.TempDir(), mkdir: fakeKernel(t, files)}
	g, err := m.add(1234)
	if err != nil {
		t.Fatal(err)
	}
	for file, want := range map[string]string{"cgroup.procs": "1234", "memory.swap.max": "0", "memory.oom.group": "1"} {
		if got := readFile(t, filepath.Join(g.dir, file)); got != want {
			t.Errorf("%s = %q, want %q", file, got, want)
		}
	}
	wk := &worker{}
	const budget = 1 << 20
	if err := g.setBudget(wk, budget); err != nil {
		t.Fatal(err)
	}
	if got, want := readFile(t, filepath.Join(g.dir, "memory.max")), strconv.Itoa(4096+budget+budget/20); got != want {
		t.Errorf("memory.max = %s, want %s (usage + budget + 5%%)", got, want)
	}
	if wk.budget != budget {
		t.Errorf("worker's budget = %d, want %d", wk.budget, budget)
	}
	if peak, base := g.peak(); peak != 8192 || base != 4096 {
		t.Errorf("peak() = %d, %d, want 8192 over a base of 4096 (memory.peak)", peak, base)
	}
	if g.oomKilled("") {
		t.Error("oomKilled() with oom_kill 0")
	}
	writeFiles(t, g.dir, map[string]string{"memory.events": "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\noom_group_kill 0\n"})
	if !g.oomKilled("") {
		t.Error("oomKilled() is false with oom_kill 1")
	}

	// Without memory.peak (before Linux 5.19), watch polls memory.current.
	if err := os.Remove(filepath.Join(g.dir, "memory.peak")); err != nil {
		t.Fatal(err)
	}
	writeFiles(t, g.dir, map[string]string{"memory.current": "99999\n"})
	stop := g.watch(wk)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if peak, _ := g.peak(); peak == 99999 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("watch did not record memory.current as the peak")
		}
		time.Sleep(time.Millisecond)
	}
	stop()
}

func TestGroupV2WithoutSwapAccounting(t *testing.T) {
	// No memory.swap.max or memory.oom.group: the group is still made.
	files := map[string]string{"cgroup.procs": "", "memory.current": "0\n", "memory.max": "max\n", "memory.events": "oom_kill 0\n"}
	m := &memCap{ok: true, v2: true, dir: t.TempDir(), mkdir: fakeKernel(t, files)}
	g, err := m.add(7)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(g.dir, "memory.swap.max")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("memory.swap.max was created where the kernel has none: %v", err)
	}
}

func TestGroupV1(t *testing.T) {
	files := map[string]string{
		"cgroup.procs": "", "memory.usage_in_bytes": "1000\n", "memory.limit_in_bytes": "9223372036854771712\n",
		"memory.max_usage_in_bytes": "5000\n", "memory.swappiness": "60\n", "memory.move_charge_at_immigrate": "0\n",
		"memory.oom_control": "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n",
	}
	m := &memCap{ok: true, dir: t.TempDir(), mkdir: fakeKernel(t, files)}
	g, err := m.add(42)
	if err != nil {
		t.Fatal(err)
	}
	for file, want := range map[string]string{"cgroup.procs": "42", "memory.swappiness": "0", "memory.move_charge_at_immigrate": "3"} {
		if got := readFile(t, filepath.Join(g.dir, file)); got != want {
			t.Errorf("%s = %q, want %q", file, got, want)
		}
	}
	if err := g.setBudget(&worker{}, 2000); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(g.dir, "memory.limit_in_bytes")); got != "3100" {
		t.Errorf("memory.limit_in_bytes = %s, want 3100 (usage + budget + 5%%)", got)
	}
	if peak, base := g.peak(); peak != 5000 || base != 1000 {
		t.Errorf("peak() = %d, %d, want 5000, 1000", peak, base)
	}
	writeFiles(t, g.dir, map[string]string{"memory.oom_control": "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n"})
	if !g.oomKilled("") {
		t.Error("oomKilled() is false with oom_kill 2")
	}
}
