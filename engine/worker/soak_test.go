//go:build linux

package worker_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/limits"
)

var soakRuns = flag.Int("soak.runs", 0, "runs of TestSoak (0: 300, or 100 with -short; the full soak is 2000)")

// children returns the pids of this process's child processes.
func children() []int {
	self := os.Getpid()
	ents, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so split after ')'.
		s := string(data)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) > 1 && f[0] != "Z" && f[1] == strconv.Itoa(self) {
			out = append(out, pid)
		}
	}
	return out
}

type soakCase struct {
	name, lang, code string
	hostile          bool
	budget           limits.Budget
	want             any // for well-behaved runs
	kinds            []engine.Kind
}

// TestSoak is the fault soak: many goroutines run a mix of scripts, a
// fifth of them hostile (memory bombs, loops in built-ins, hangs, crashes of
// every kind), while another goroutine kills random workers. Every run must
// succeed or fail cleanly, well-behaved runs keep succeeding, and nothing
// is left behind.
func TestSoak(t *testing.T) {
	n := *soakRuns
	if n == 0 {
		n = 300
		if testing.Short() {
			n = 100
		}
	}
	goroutinesBefore := runtime.NumGoroutine()
	h := newHost(t, engine.WorkerConfig{Size: 4, Grace: 50 * time.Millisecond})
	short := limits.Budget{Timeout: 300 * time.Millisecond, Memory: 32 << 20}
	long := limits.Budget{Timeout: 10 * time.Second}
	good := []soakCase{
		{name: "js", lang: "js", code: "return input.n * 2", budget: long, want: int64(42)},
		{name: "lua", lang: "lua", code: "return input.n * 2", budget: long, want: int64(42)},
		{name: "js calls", lang: "js", code: "let s = 0; for (let i = 0; i < 5; i++) s += host.t.echo(input.n); return s / 5 * 2", budget: long, want: int64(42)},
		{name: "lua calls", lang: "lua", code: "local s = 0; for i = 1, 5 do s = s + host.t.echo(input.n) end; return math.floor(s / 5) * 2", budget: long, want: int64(42)},
	}
	bad := []soakCase{
		{hostile: true, name: "js memory bomb", lang: "js", code: `let s = "x"; const a = []; for (;;) { a.push(s + a.length); s = s + s.slice(0, 4096); }`,
			budget: short, kinds: []engine.Kind{engine.KindLimit}},
		{hostile: true, name: "js loop in a built-in", lang: "js", code: `return "ab".repeat(1 << 28).split("").length`, budget: short, kinds: []engine.Kind{engine.KindLimit, engine.KindRuntime}},
		{hostile: true, name: "js infinite loop", lang: "js", code: `for (;;) {}`, budget: short, kinds: []engine.Kind{engine.KindLimit}},
		{hostile: true, name: "lua string bomb", lang: "lua", code: `local s = "x" while true do s = s .. s end`, budget: short, kinds: []engine.Kind{engine.KindLimit}},
		{hostile: true, name: "lua loop", lang: "lua", code: `while true do end`, budget: short, kinds: []engine.Kind{engine.KindLimit}},
		{hostile: true, name: "exit", lang: "hostile", code: "exit", kinds: []engine.Kind{engine.KindInternal}},
		{hostile: true, name: "panic", lang: "hostile", code: "panic", kinds: []engine.Kind{engine.KindInternal}},
		{hostile: true, name: "fatal", lang: "hostile", code: "fatal", kinds: []engine.Kind{engine.KindInternal}},
		{hostile: true, name: "hang", lang: "hostile", code: "hang", budget: short, kinds: []engine.Kind{engine.KindLimit}},
		{hostile: true, name: "bomb", lang: "hostile", code: "bomb", budget: short, kinds: []engine.Kind{engine.KindLimit}},
	}
	scripts := map[string]*engine.Script{}
	for _, c := range append(append([]soakCase{}, good...), bad...) {
		s, err := h.Compile(engine.Source{Name: "soak." + c.lang, Lang: c.lang, Code: c.code})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		scripts[c.name] = s
	}

	stopKiller := make(chan struct{})
	var killed atomic.Int64
	var victims []int // the killer's, read after it stopped
	var killerDone sync.WaitGroup
	killerDone.Add(1)
	go func() {
		defer killerDone.Done()
		for {
			select {
			case <-stopKiller:
				return
			case <-time.After(25 * time.Millisecond):
			}
			if pids := children(); len(pids) > 0 {
				pid := pids[rand.IntN(len(pids))]
				if syscall.Kill(pid, syscall.SIGKILL) == nil {
					killed.Add(1)
					victims = append(victims, pid)
				}
			}
		}
	}()

	var (
		next                        atomic.Int64
		goodOK, goodKilled, badRuns atomic.Int64
		maxWall                     atomic.Int64
		mu                          sync.Mutex
		failures                    []string
	)
	fail := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		if len(failures) < 20 {
			failures = append(failures, fmt.Sprintf(format, args...))
		}
	}
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > int64(n) {
					return
				}
				var c soakCase
				if i%5 == 0 {
					c = bad[int(i/5)%len(bad)]
				} else {
					c = good[int(i)%len(good)]
				}
				res, err := h.Run(context.Background(), scripts[c.name], engine.RunOptions{
					Input: map[string]any{"n": int64(21)}, Policy: allowAll, Budget: c.budget})
				if res == nil {
					fail("%s: nil result", c.name)
					continue
				}
				var e *engine.Error
				if err != nil && !errors.As(err, &e) {
					fail("%s: error %v is not an *engine.Error", c.name, err)
					continue
				}
				switch {
				case !c.hostile && c.want != nil && err == nil:
					if res.Value != c.want {
						fail("%s: value %#v, want %#v", c.name, res.Value, c.want)
					}
					goodOK.Add(1)
					for {
						m := maxWall.Load()
						if res.Usage.WallMs <= m || maxWall.CompareAndSwap(m, res.Usage.WallMs) {
							break
						}
					}
				case c.want != nil:
					// A well-behaved run may only fail because the killer
					// killed its worker, or time out on a machine the
					// hostile runs keep busy.
					if e.Kind != engine.KindInternal && !(e.Kind == engine.KindLimit && e.Limit == limits.Timeout) {
						fail("%s: %v (usage %+v)", c.name, err, res.Usage)
					}
					goodKilled.Add(1)
				default:
					badRuns.Add(1)
					if err == nil {
						fail("%s: succeeded with %#v", c.name, res.Value)
					} else if e.Kind != engine.KindInternal && e.Limit != limits.Timeout && !contains(kindStrings(c.kinds), string(e.Kind)) {
						fail("%s: %v, want kind %v", c.name, err, c.kinds)
					}
				}
			}
		}()
	}
	wg.Wait()
	close(stopKiller)
	killerDone.Wait()
	// Let the last victims be reaped: a worker killed while idle can be
	// handed a run in the moment before the host sees it exit.
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		left := 0
		for _, pid := range victims {
			if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); err == nil {
				left++
			}
		}
		if left == 0 {
			break
		}
	}

	// With the killer stopped, well-behaved runs all succeed.
	for _, c := range good {
		res, err := h.Run(context.Background(), scripts[c.name], engine.RunOptions{Input: map[string]any{"n": int64(21)}, Policy: allowAll})
		if err != nil || res.Value != c.want {
			fail("after the soak, %s: %v, %v (%v)", c.name, res.Value, err, errors.Unwrap(err))
		}
	}
	t.Logf("%d runs: %d well-behaved ok (slowest %d ms), %d well-behaved lost to the killer, %d hostile; %d workers killed from outside",
		n, goodOK.Load(), maxWall.Load(), goodKilled.Load(), badRuns.Load(), killed.Load())
	if g := goodOK.Load(); g < (goodOK.Load()+goodKilled.Load())/2 {
		fail("only %d of %d well-behaved runs succeeded", g, goodOK.Load()+goodKilled.Load())
	}
	for _, f := range failures {
		t.Error(f)
	}

	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	if pids := children(); len(pids) > 0 {
		t.Errorf("worker processes left after Close: %v", pids)
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > goroutinesBefore && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if g := runtime.NumGoroutine(); g > goroutinesBefore {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines after Close, %d before:\n%s", g, goroutinesBefore, buf[:runtime.Stack(buf, true)])
	}
}

func kindStrings(ks []engine.Kind) []string {
	var out []string
	for _, k := range ks {
		out = append(out, string(k))
	}
	return out
}
