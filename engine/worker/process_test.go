//go:build linux

package worker_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/scriptrun/scriptrun/bridge"
	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/engine/js"
	"github.com/scriptrun/scriptrun/engine/lua"
	"github.com/scriptrun/scriptrun/engine/worker"
	"github.com/scriptrun/scriptrun/limits"
	"github.com/scriptrun/scriptrun/policy"
)

// syncBuffer is a log sink safe for the pool's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// events returns the audit events named name.
func (s *syncBuffer) events(t *testing.T, name string) []map[string]any {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(s.b.String(), "\n") {
		if line == "" {
			continue
		}
		var ev map[string]any
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("audit line %q: %v", line, err)
		}
		if ev["event"] == name {
			out = append(out, ev)
		}
	}
	return out
}

func echoModule() *bridge.Module {
	return &bridge.Module{Name: "t", Funcs: []*bridge.Func{{
		Name: "echo", Params: []bridge.Param{{Name: "v", Type: bridge.Any}},
		Impl: func(ctx context.Context, a bridge.Args) (any, error) { return a["v"], nil },
	}}}
}

var allowAll = mustPolicy(`
name: all
rules:
  - name: all
    allow: ["t.*"]
`)

func mustPolicy(src string) *policy.Policy {
	p, err := policy.Parse("test.yaml", []byte(src), policy.Options{})
	if err != nil {
		panic(err)
	}
	return p
}

type testHost struct {
	*engine.Host
	log *syncBuffer
}

func newHost(t *testing.T, w engine.WorkerConfig) *testHost {
	t.Helper()
	log := &syncBuffer{}
	zl := zerolog.New(log)
	h, err := engine.NewHost(engine.Config{Backends: []engine.Backend{js.New(), lua.New(), hostile{}},
		Modules: []*bridge.Module{echoModule()}, Logger: &zl, Isolation: engine.Process, Workers: w})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return &testHost{Host: h, log: log}
}

func (h *testHost) run(t *testing.T, lang, code string, opts engine.RunOptions) (*engine.Result, error) {
	t.Helper()
	s, err := h.Compile(engine.Source{Name: "t." + lang, Lang: lang, Code: code})
	if err != nil {
		t.Fatalf("compile %q: %v", code, err)
	}
	return h.Run(context.Background(), s, opts)
}

func wantOK(t *testing.T, res *engine.Result, err error) any {
	t.Helper()
	if err != nil {
		t.Fatalf("run failed: %v (cause: %v)", err, errors.Unwrap(err))
	}
	return res.Value
}

func wantKind(t *testing.T, err error, kind engine.Kind, limit string) *engine.Error {
	t.Helper()
	var e *engine.Error
	if !errors.As(err, &e) || e.Kind != kind || e.Limit != limit {
		t.Fatalf("error = %v (cause %v), want kind %s limit %q", err, errors.Unwrap(err), kind, limit)
	}
	return e
}

// TestContainment tries, from inside the worker, what a script that got
// out of its interpreter would try.
func TestContainment(t *testing.T) {
	h := newHost(t, engine.WorkerConfig{Size: 1})
	layers, err := engine.ProbeLayers(engine.WorkerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("layers in force: %v; missing: %v", layers.InForce, layers.Missing)
	has := func(l string) bool {
		for _, x := range layers.InForce {
			if x == l {
				return true
			}
		}
		return false
	}
	type check struct {
		layer, cmd string
		want       func(any) bool
		what       string
	}
	denied := func(v any) bool {
		s, _ := v.(string)
		return strings.Contains(s, "permission denied") || strings.Contains(s, "operation not permitted")
	}
	checks := []check{
		{engine.LayerSeccomp, "open /etc/hostname", denied, "opening a file"},
		{engine.LayerLandlock, "open /etc/hostname", denied, "opening a file"},
		{engine.LayerSeccomp, "create /tmp/scriptrun-escape", denied, "creating a file"},
		{engine.LayerSeccomp, "exec /bin/true", denied, "executing a program"},
		{engine.LayerSeccomp, "socket", denied, "opening a socket"},
		{engine.LayerSeccomp, "fork", denied, "forking a process"},
		{engine.LayerNetNS, "dial 1.1.1.1:53", func(v any) bool { s, _ := v.(string); return s != "ok" }, "reaching the network"},
		{engine.LayerRlimits, "rlimits", func(v any) bool {
			m, _ := v.(map[string]any)
			return m["core"] == int64(0) && m["nofile"].(int64) <= 64
		}, "core dumps and many files"},
		{"", "env", func(v any) bool {
			m, _ := v.(map[string]any)
			return m["env"] == int64(0) && m["wd"] == "/"
		}, "an environment and a working directory"},
		{engine.LayerSeccomp, "gc", func(v any) bool { _, ok := v.(int64); return ok }, "running the Go runtime (goroutines, GC, timers)"},
	}
	for _, c := range checks {
		t.Run(c.layer+"/"+c.cmd, func(t *testing.T) {
			if c.layer != "" && !has(c.layer) {
				t.Skipf("this machine lacks the %s layer: %s", c.layer, layers.Missing[c.layer])
			}
			res, err := h.run(t, "hostile", c.cmd, engine.RunOptions{})
			v := wantOK(t, res, err)
			if !c.want(v) {
				t.Errorf("%s from inside the worker: got %#v", c.what, v)
			}
		})
	}
}

// TestUnderSeccomp tries, with seccomp left out, what the layers under it
// must stop on their own: Landlock (files, TCP) and the network namespace.
// It also checks from outside that the worker is in its own network
// namespace and memory cgroup.
func TestUnderSeccomp(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	h := newHost(t, engine.WorkerConfig{Size: 1, Command: []string{exe, worker.NoSeccompArg}})
	layers, err := engine.ProbeLayers(engine.WorkerConfig{Command: []string{exe, worker.NoSeccompArg}})
	if err != nil {
		t.Fatal(err)
	}
	if contains(layers.InForce, engine.LayerSeccomp) {
		t.Fatal("seccomp is in force in a worker told to leave it out")
	}
	res, err := h.run(t, "hostile", "pid", engine.RunOptions{})
	pid := wantOK(t, res, err).(int64)
	t.Run("landlock", func(t *testing.T) {
		if !contains(layers.InForce, engine.LayerLandlock) {
			t.Skipf("no Landlock here: %s", layers.Missing[engine.LayerLandlock])
		}
		for _, cmd := range []string{"open /etc/hostname", "create /tmp/scriptrun-escape", "exec /bin/true"} {
			res, err := h.run(t, "hostile", cmd, engine.RunOptions{})
			if v, _ := wantOK(t, res, err).(string); !strings.Contains(v, "permission denied") {
				t.Errorf("%s under Landlock alone: %q, want permission denied", cmd, v)
			}
		}
	})
	t.Run("netns", func(t *testing.T) {
		if !contains(layers.InForce, engine.LayerNetNS) {
			t.Skipf("no network namespace here: %s", layers.Missing[engine.LayerNetNS])
		}
		self, err1 := os.Readlink("/proc/self/ns/net")
		theirs, err2 := os.Readlink(fmt.Sprintf("/proc/%d/ns/net", pid))
		if err1 != nil || err2 != nil || self == theirs {
			t.Errorf("worker network namespace %q (%v), ours %q (%v): want another", theirs, err2, self, err1)
		}
		res, err := h.run(t, "hostile", "dial 127.0.0.1:1", engine.RunOptions{})
		if v, _ := wantOK(t, res, err).(string); v == "ok" {
			t.Errorf("dial from the worker: %q", v)
		}
	})
	t.Run("memory cgroup", func(t *testing.T) {
		if _, weak := layers.Missing["memory-cgroup"]; weak || !contains(layers.InForce, engine.LayerMemory) {
			t.Skip("no memory cgroup here")
		}
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
		if err != nil || !strings.Contains(string(data), "/scriptrun-") {
			t.Errorf("worker cgroups %q (%v): want a scriptrun memory cgroup", data, err)
		}
	})
}

// TestRequire: a host that requires a layer this machine lacks refuses to
// start.
func TestRequire(t *testing.T) {
	_, err := engine.NewHost(engine.Config{Backends: []engine.Backend{js.New()}, Isolation: engine.Process,
		Workers: engine.WorkerConfig{Size: 1, Require: []string{"teleportation"}}})
	if err == nil || !strings.Contains(err.Error(), "teleportation") {
		t.Fatalf("NewHost with an unknown required layer: %v", err)
	}
	h, err := engine.NewHost(engine.Config{Backends: []engine.Backend{js.New()}, Isolation: engine.Process,
		Workers: engine.WorkerConfig{Size: 1, Require: []string{engine.LayerMemory}}})
	if err != nil {
		t.Skipf("this machine has no memory cap: %v", err)
	}
	h.Close()
}

// TestMemoryCapReported: the worker.layers event and Layers name the
// memory cap chosen on this machine and, for a weaker one, why.
func TestMemoryCapReported(t *testing.T) {
	h := newHost(t, engine.WorkerConfig{Size: 1})
	evs := h.log.events(t, "worker.layers")
	if len(evs) != 1 {
		t.Fatalf("%d worker.layers events, want 1", len(evs))
	}
	got, _ := evs[0]["memoryCap"].(string)
	layers, err := engine.ProbeLayers(engine.WorkerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if got != layers.Memory {
		t.Errorf("worker.layers memoryCap %q, Layers.Memory %q: want the same", got, layers.Memory)
	}
	t.Logf("memory cap: %s", got)
	switch {
	case strings.HasPrefix(got, "cgroup v2 "):
	case strings.HasPrefix(got, "cgroup v1 "):
		if !strings.Contains(got, "(cgroup v2: ") {
			t.Errorf("memory cap %q does not say why not cgroup v2", got)
		}
	case strings.HasPrefix(got, "RLIMIT_AS "):
		if !strings.Contains(got, " (") {
			t.Errorf("memory cap %q does not say why not a cgroup", got)
		}
	default:
		t.Errorf("memory cap %q: want cgroup v2, cgroup v1 or RLIMIT_AS", got)
	}
	layers, err = engine.ProbeLayers(engine.WorkerConfig{MemoryCap: "none"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(layers.Memory, "none (") {
		t.Errorf("MemoryCap none: Layers.Memory %q", layers.Memory)
	}
}

// TestCrash: a worker that dies, whatever the way, fails only its run, with
// a clear error, and the next run gets a new worker.
func TestCrash(t *testing.T) {
	h := newHost(t, engine.WorkerConfig{Size: 2})
	for _, cmd := range []string{"exit", "panic", "fatal", "kill"} {
		t.Run(cmd, func(t *testing.T) {
			_, err := h.run(t, "hostile", cmd, engine.RunOptions{})
			e := wantKind(t, err, engine.KindInternal, "")
			if !strings.Contains(e.Message, "worker process") || e.Err == nil {
				t.Errorf("error %q (cause %v): want it to say the worker process died", e.Message, e.Err)
			}
			t.Logf("%s: %v: %v", cmd, e, e.Err)
			res, err := h.run(t, "js", "return 40 + 2", engine.RunOptions{})
			if v := wantOK(t, res, err); v != int64(42) {
				t.Errorf("next run = %v", v)
			}
		})
	}
}

// TestKilledFromOutside: kill -9 of the worker in the middle of a run.
func TestKilledFromOutside(t *testing.T) {
	h := newHost(t, engine.WorkerConfig{Size: 1})
	res, err := h.run(t, "hostile", "pid", engine.RunOptions{})
	pid := int(wantOK(t, res, err).(int64))
	done := make(chan error, 1)
	go func() {
		_, err := h.run(t, "hostile", "sleep 10s", engine.RunOptions{Budget: limits.Budget{Timeout: 20 * time.Second}})
		done <- err
	}()
	time.Sleep(100 * time.Millisecond)
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		wantKind(t, err, engine.KindInternal, "")
	case <-time.After(5 * time.Second):
		t.Fatal("the run did not end when its worker was killed")
	}
	res, err = h.run(t, "lua", "return 1", engine.RunOptions{})
	wantOK(t, res, err)
}

// TestKilledMidCall: kill -9 of the worker while the host serves one of its
// host calls. The reply cannot be delivered (or is never read): the run
// fails as internal, only that run, and the host goes on.
func TestKilledMidCall(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	mod := &bridge.Module{Name: "t", Funcs: []*bridge.Func{{
		Name: "wait",
		Impl: func(ctx context.Context, a bridge.Args) (any, error) {
			close(entered)
			<-release
			return "late", nil
		},
	}}}
	h, err := engine.NewHost(engine.Config{Backends: []engine.Backend{js.New(), hostile{}}, Modules: []*bridge.Module{mod},
		Isolation: engine.Process, Workers: engine.WorkerConfig{Size: 1, Max: 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	th := &testHost{Host: h}
	res, err := th.run(t, "hostile", "pid", engine.RunOptions{})
	pid := int(wantOK(t, res, err).(int64))
	done := make(chan error, 1)
	go func() {
		_, err := th.run(t, "js", "return host.t.wait()", engine.RunOptions{Policy: allowAll, Budget: limits.Budget{Timeout: 20 * time.Second}})
		done <- err
	}()
	select {
	case <-entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the host call did not reach the host")
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	close(release)
	select {
	case err := <-done:
		e := wantKind(t, err, engine.KindInternal, "")
		if !strings.Contains(e.Message, "worker process") {
			t.Errorf("error %q, want it to say the worker process failed", e.Message)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the run did not end when its worker was killed during a host call")
	}
	res, err = th.run(t, "js", "return 1", engine.RunOptions{})
	if v := wantOK(t, res, err); v != int64(1) {
		t.Errorf("next run = %v", v)
	}
}

// TestBadFrames: a worker that breaks the protocol is ended and its run
// fails as internal; the host goes on.
func TestBadFrames(t *testing.T) {
	h := newHost(t, engine.WorkerConfig{Size: 1})
	for _, cmd := range []string{"garbage", "oversized"} {
		_, err := h.run(t, "hostile", cmd, engine.RunOptions{})
		e := wantKind(t, err, engine.KindInternal, "")
		if !strings.Contains(e.Err.Error(), "frame") {
			t.Errorf("%s: cause %v, want it to name the bad frame", cmd, e.Err)
		}
	}
	res, err := h.run(t, "js", "return 1", engine.RunOptions{})
	wantOK(t, res, err)
}

// TestHangKilled: a worker that does not stop when told is killed, and the
// run ends with its timeout.
func TestHangKilled(t *testing.T) {
	h := newHost(t, engine.WorkerConfig{Size: 1, Grace: 50 * time.Millisecond})
	start := time.Now()
	res, err := h.run(t, "hostile", "hang", engine.RunOptions{Budget: limits.Budget{Timeout: 200 * time.Millisecond}})
	wantKind(t, err, engine.KindLimit, limits.Timeout)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the hung run took %v", d)
	}
	_ = res
	// The caller's cancel is honoured the same way.
	ctx, cancel := context.WithCancel(context.Background())
	s, _ := h.Compile(engine.Source{Name: "h", Lang: "hostile", Code: "hang"})
	time.AfterFunc(100*time.Millisecond, cancel)
	_, err = h.Run(ctx, s, engine.RunOptions{})
	wantKind(t, err, engine.KindRuntime, "")
	res, err = h.run(t, "js", "return 1", engine.RunOptions{})
	wantOK(t, res, err)
}

// TestMemory: a memory bomb that nothing in the interpreter meters ends
// with the memory limit, and the worker's memory peaked at most 10% over
// the run's budget; with a cgroup and with the RLIMIT_AS + RSS fallback.
func TestMemory(t *testing.T) {
	for _, mode := range []string{"auto", "rlimit"} {
		t.Run(mode, func(t *testing.T) { testMemory(t, mode) })
	}
}

func testMemory(t *testing.T, mode string) {
	layers, err := engine.ProbeLayers(engine.WorkerConfig{MemoryCap: mode})
	if err != nil {
		t.Fatal(err)
	}
	h := newHost(t, engine.WorkerConfig{Size: 1, MemoryCap: mode})
	const budget = 64 << 20
	for _, cmd := range []string{"bomb", "alloc 1000"} {
		t.Run(cmd, func(t *testing.T) {
			res, err := h.run(t, "hostile", cmd, engine.RunOptions{Budget: limits.Budget{Memory: budget, Timeout: 20 * time.Second}})
			wantKind(t, err, engine.KindLimit, limits.Memory)
			wantMemoryUsage(t, res)
		})
	}
	t.Run("js", func(t *testing.T) {
		res, err := h.run(t, "js", `let s = "x"; const a = []; for (;;) { a.push(s + a.length); s = s + s.slice(0, 1024); }`,
			engine.RunOptions{Budget: limits.Budget{Memory: budget, Steps: 1 << 40, Timeout: 20 * time.Second, CPU: 20 * time.Second}})
		wantKind(t, err, engine.KindLimit, limits.Memory)
		wantMemoryUsage(t, res)
	})
	h.Close()
	if !contains(layers.InForce, engine.LayerMemory) {
		t.Skipf("no OS memory cap on this machine: %s", layers.Missing[engine.LayerMemory])
	}
	// The cgroup caps the worker at the budget + 5%; the fallback samples
	// the RSS every 2 ms, so an allocation burst can pass the budget by what
	// it allocates between two samples (more under the race detector, whose
	// shadow memory counts in the RSS).
	slack := int64(budget / 10)
	if _, weak := layers.Missing["memory-cgroup"]; weak {
		slack = budget / 4
	}
	exits := h.log.events(t, "worker.exited")
	n := 0
	for _, ev := range exits {
		peak, base := int64(ev["peakBytes"].(float64)), int64(ev["baseBytes"].(float64))
		if base == 0 {
			continue
		}
		n++
		over := peak - base
		t.Logf("worker %v: peak %d MiB over a base of %d MiB (budget %d MiB), %s", ev["pid"], over>>20, base>>20, budget>>20, ev["reason"])
		if over > budget+slack {
			t.Errorf("worker %v used %d bytes over its base, more than the budget %d + %d", ev["pid"], over, budget, slack)
		}
	}
	if n == 0 {
		t.Fatal("no worker.exited event with a memory peak")
	}
}

// wantMemoryUsage: a run that ended with the memory limit reports the
// memory it used, whether its worker stopped it or its memory cap killed
// the worker (then the parent's measure of the peak stands in).
func wantMemoryUsage(t *testing.T, res *engine.Result) {
	t.Helper()
	if res == nil || res.Usage.MemoryBytes == 0 {
		t.Errorf("usage after the memory limit: %+v, want memoryBytes > 0", res)
	}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// TestHostCallsAndLimits: host calls, steps and logs through the pipes.
func TestHostCallsAndLimits(t *testing.T) {
	h := newHost(t, engine.WorkerConfig{Size: 1})
	res, err := h.run(t, "hostile", "calls 50", engine.RunOptions{Policy: allowAll})
	if v := wantOK(t, res, err); v != int64(50) || res.Usage.HostCalls != 50 {
		t.Errorf("calls: %v, usage %+v", v, res.Usage)
	}
	_, err = h.run(t, "hostile", "calls 50", engine.RunOptions{Policy: allowAll, Budget: limits.Budget{HostCalls: 10}})
	wantKind(t, err, engine.KindLimit, limits.HostCalls)
	_, err = h.run(t, "hostile", "steps 1000", engine.RunOptions{Budget: limits.Budget{Steps: 100}})
	wantKind(t, err, engine.KindLimit, limits.Steps)
	res, err = h.run(t, "js", `for (let i = 0; i < 10; i++) console.log("line " + i); return host.t.echo({a: [1, 2.5, "x"]})`,
		engine.RunOptions{Policy: allowAll})
	v := wantOK(t, res, err)
	if len(res.Logs) != 10 || res.Usage.Steps == 0 {
		t.Errorf("logs %v, usage %+v", res.Logs, res.Usage)
	}
	if m, _ := v.(map[string]any); m == nil {
		t.Errorf("value %#v", v)
	}
}

// TestRecycle: a worker runs at most MaxRuns runs, and is replaced after a
// limit error.
func TestRecycle(t *testing.T) {
	h := newHost(t, engine.WorkerConfig{Size: 1, MaxRuns: 3})
	pids := map[int64]int{}
	for range 6 {
		res, err := h.run(t, "hostile", "pid", engine.RunOptions{})
		pids[wantOK(t, res, err).(int64)]++
	}
	// A replacement started ahead of demand and one started on demand may
	// both take runs, so count runs per worker, not workers.
	for pid, n := range pids {
		if n > 3 {
			t.Errorf("worker %d ran %d runs, more than MaxRuns = 3", pid, n)
		}
	}
	if len(pids) < 2 {
		t.Errorf("6 runs with MaxRuns 3 ran in workers %v, want at least 2 workers", pids)
	}
	res, err := h.run(t, "hostile", "pid", engine.RunOptions{})
	before := wantOK(t, res, err)
	_, err = h.run(t, "hostile", "steps 1000", engine.RunOptions{Budget: limits.Budget{Steps: 10}})
	wantKind(t, err, engine.KindLimit, limits.Steps)
	res, err = h.run(t, "hostile", "pid", engine.RunOptions{})
	if after := wantOK(t, res, err); after == before {
		t.Errorf("the worker %v ran on after a limit error", after)
	}
}

// TestCloseLeavesNothing: after Close no goroutine of the host and no
// worker process is left.
func TestCloseLeavesNothing(t *testing.T) {
	before := runtime.NumGoroutine()
	var pids []int
	{
		h := newHost(t, engine.WorkerConfig{Size: 3})
		var wg sync.WaitGroup
		var mu sync.Mutex
		for range 6 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s, _ := h.Compile(engine.Source{Name: "p", Lang: "hostile", Code: "pid"})
				res, err := h.Run(context.Background(), s, engine.RunOptions{})
				if err == nil {
					mu.Lock()
					pids = append(pids, int(res.Value.(int64)))
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if err := h.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if len(pids) == 0 {
		t.Fatal("no run succeeded")
	}
	for _, pid := range pids {
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("worker %d is still there after Close (kill 0: %v)", pid, err)
		}
	}
	// Goroutines of other tests' hosts may still be ending: allow them a
	// moment, but none of ours may remain.
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines after Close, %d before:\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
	_ = os.Getpid
}

// TestCloseDuringRun: Close while a run is going on ends it and its worker.
func TestCloseDuringRun(t *testing.T) {
	h := newHost(t, engine.WorkerConfig{Size: 1})
	res, err := h.run(t, "hostile", "pid", engine.RunOptions{})
	pid := int(wantOK(t, res, err).(int64))
	done := make(chan error, 1)
	go func() {
		_, err := h.run(t, "hostile", "sleep 20s", engine.RunOptions{Budget: limits.Budget{Timeout: 30 * time.Second}})
		done <- err
	}()
	time.Sleep(100 * time.Millisecond)
	closed := make(chan struct{})
	go func() { h.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return while a run was going on")
	}
	select {
	case err := <-done:
		wantKind(t, err, engine.KindInternal, "")
	case <-time.After(10 * time.Second):
		t.Fatal("the run did not end when the host closed")
	}
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("worker %d is still there after Close (kill 0: %v)", pid, err)
	}
}

// TestMax: no more than WorkerConfig.Max workers at once; runs beyond it
// wait for a free one and then succeed.
func TestMax(t *testing.T) {
	h := newHost(t, engine.WorkerConfig{Size: 1, Max: 2})
	var wg sync.WaitGroup
	var mu sync.Mutex
	pids := map[int64]bool{}
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, _ := h.Compile(engine.Source{Name: "p", Lang: "hostile", Code: "sleep 50ms"})
			if _, err := h.Run(context.Background(), s, engine.RunOptions{}); err != nil {
				t.Error(err)
			}
			s, _ = h.Compile(engine.Source{Name: "p", Lang: "hostile", Code: "pid"})
			res, err := h.Run(context.Background(), s, engine.RunOptions{})
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			pids[res.Value.(int64)] = true
			mu.Unlock()
		}()
	}
	// Count the worker processes while the runs go on.
	most := 0
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			most = max(most, len(children()))
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	wg.Wait()
	close(stop)
	<-sampled
	if most > 2 || len(pids) > 2 {
		t.Errorf("%d worker processes at once, runs in %d workers; want at most Max = 2", most, len(pids))
	}
}
