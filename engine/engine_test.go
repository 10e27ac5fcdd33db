package engine_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"runtime"
	"runtime/metrics"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/scriptrun/scriptrun/bridge"
	"github.com/scriptrun/scriptrun/bridge/kv"
	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/engine/js"
	"github.com/scriptrun/scriptrun/engine/lua"
	"github.com/scriptrun/scriptrun/limits"
	"github.com/scriptrun/scriptrun/policy"
)

func newHost(t *testing.T, logTo *bytes.Buffer) *engine.Host {
	t.Helper()
	cfg := engine.Config{Backends: []engine.Backend{js.New(), lua.New()}, Modules: []*bridge.Module{kv.Module(kv.NewMemory())}}
	if logTo != nil {
		l := zerolog.New(logTo)
		cfg.Logger = &l
	}
	h, err := engine.NewHost(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

const tenantPolicy = `
name: tenant
limits: {steps: 5000, hostCalls: 3}
rules:
  - name: tenant-kv
    allow: [kv.get, kv.set]
    when: args.key.startsWith(script.tenant + ":")
`

func events(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var ev map[string]any
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("audit line is not JSON: %q", line)
		}
		out = append(out, ev)
	}
	return out
}

// The audit log has stable event names and fields.
func TestAuditEvents(t *testing.T) {
	var buf bytes.Buffer
	h := newHost(t, &buf)
	pol, err := policy.Parse("p.yaml", []byte(tenantPolicy), policy.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := h.Compile(engine.Source{Name: "a.js", Lang: "js", Code: "host.kv.set('acme:x', 1); host.kv.get('other:y')"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = h.Run(context.Background(), s, engine.RunOptions{Policy: pol, Identity: engine.Identity{Tenant: "acme"}})
	if !errors.Is(err, &engine.Error{Kind: engine.KindDenied, Capability: "kv.get"}) {
		t.Fatalf("got %v, want denied kv.get", err)
	}
	var names []string
	for _, ev := range events(t, &buf) {
		names = append(names, ev["event"].(string))
		switch ev["event"] {
		case "host.call":
			for _, k := range []string{"capability", "decision", "rule", "duration", "argBytes", "run", "script"} {
				if _, ok := ev[k]; !ok {
					t.Errorf("host.call lacks %q: %v", k, ev)
				}
			}
			if _, ok := ev["args"]; ok {
				t.Errorf("argument values logged without opt-in: %v", ev)
			}
		case "run.finished":
			if ev["outcome"] != "denied" || ev["capability"] != "kv.get" {
				t.Errorf("run.finished: %v", ev)
			}
			for _, k := range []string{"steps", "hostCalls", "wallMs", "cpuMs", "outputBytes", "logBytes", "memoryBytes"} {
				if _, ok := ev[k]; !ok {
					t.Errorf("run.finished lacks %q", k)
				}
			}
		}
	}
	want := "script.compiled run.started host.call host.call policy.denied run.finished"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("events %q, want %q", got, want)
	}

	buf.Reset()
	s2, _ := h.Compile(engine.Source{Name: "b.lua", Lang: "lua", Code: "while true do end"})
	_, err = h.Run(context.Background(), s2, engine.RunOptions{Policy: pol})
	if !errors.Is(err, &engine.Error{Kind: engine.KindLimit, Limit: limits.Steps}) {
		t.Fatalf("got %v, want limit steps (the policy's ceiling)", err)
	}
	evs := events(t, &buf)
	var found bool
	for _, ev := range evs {
		if ev["event"] == "limit.exceeded" {
			found = ev["limit"] == "steps" && ev["value"] == "5000"
		}
	}
	if !found {
		t.Errorf("no limit.exceeded event for steps=5000 in %v", evs)
	}
}

// A policy's limits are ceilings: a run asking for more gets the policy's.
func TestBudgetCeilings(t *testing.T) {
	h := newHost(t, nil)
	pol, _ := policy.Parse("p.yaml", []byte(tenantPolicy), policy.Options{})
	s, _ := h.Compile(engine.Source{Name: "a.js", Lang: "js", Code: "for (let i = 0; i < 400; i++) {} return 1"})
	if _, err := h.Run(context.Background(), s, engine.RunOptions{Policy: pol, Budget: limits.Budget{Steps: 1 << 30}}); err != nil {
		t.Fatalf("under the ceiling: %v", err)
	}
	if _, err := h.Run(context.Background(), s, engine.RunOptions{Policy: pol, Budget: limits.Budget{Steps: 100}}); !errors.Is(err, &engine.Error{Kind: engine.KindLimit, Limit: limits.Steps}) {
		t.Fatalf("run's own tighter budget: %v", err)
	}
	s2, _ := h.Compile(engine.Source{Name: "b.js", Lang: "js", Code: "for (let i = 0; i < 6000; i++) {} return 1"})
	if _, err := h.Run(context.Background(), s2, engine.RunOptions{Policy: pol, Budget: limits.Budget{Steps: 1 << 30}}); !errors.Is(err, &engine.Error{Kind: engine.KindLimit, Limit: limits.Steps}) {
		t.Fatalf("over the ceiling: %v", err)
	}
}

func TestInputErrors(t *testing.T) {
	h := newHost(t, nil)
	s, _ := h.Compile(engine.Source{Name: "a.js", Lang: "js", Code: "return input"})
	deep := any(int64(1))
	for i := 0; i < 100; i++ {
		deep = []any{deep}
	}
	for _, tc := range []struct {
		input any
		kind  engine.Kind
		limit string
	}{
		{deep, engine.KindInput, ""},
		{strings.Repeat("x", 2<<20), engine.KindLimit, limits.Input},
		{struct{}{}, engine.KindInput, ""},
		{map[string]any{"f": func() {}}, engine.KindInput, ""},
	} {
		_, err := h.Run(context.Background(), s, engine.RunOptions{Input: tc.input})
		var e *engine.Error
		if !errors.As(err, &e) || e.Kind != tc.kind || e.Limit != tc.limit {
			t.Errorf("input %T: got %v, want %s %s", tc.input, err, tc.kind, tc.limit)
		}
	}
	if _, err := h.Run(context.Background(), s, engine.RunOptions{Budget: limits.Budget{Steps: -1}}); err == nil {
		t.Errorf("negative budget accepted")
	}
}

func TestConfigErrors(t *testing.T) {
	for _, cfg := range []engine.Config{
		{},
		{Backends: []engine.Backend{js.New(), js.New()}},
		{Backends: []engine.Backend{js.New()}, Modules: []*bridge.Module{{Name: "Bad Name"}}},
		{Backends: []engine.Backend{js.New()}, Budget: limits.Budget{Timeout: -time.Second}},
	} {
		if _, err := engine.NewHost(cfg); err == nil {
			t.Errorf("NewHost(%+v) accepted a bad config", cfg)
		}
	}
	h := newHost(t, nil)
	if _, err := h.Compile(engine.Source{Name: "x.py", Lang: "python", Code: "1"}); err == nil {
		t.Errorf("unknown language accepted")
	}
}

// The heap ceiling stops runs that grow memory where no built-in check sees
// it (many strings, each below goja's string length cap; one doubled string
// now hits that cap), before the process runs out.
func TestHeapCeiling(t *testing.T) {
	h, err := engine.NewHost(engine.Config{Backends: []engine.Backend{js.New(), lua.New()}, HeapCeiling: 256 << 20})
	if err != nil {
		t.Fatal(err)
	}
	for _, src := range []engine.Source{
		{Name: "a.js", Lang: "js", Code: "let a = []; for (;;) a.push('x'.repeat(1 << 20) + a.length)"},
		{Name: "a.lua", Lang: "lua", Code: "local s = 'x' while true do s = s .. s end"},
	} {
		s, err := h.Compile(src)
		if err != nil {
			t.Fatal(err)
		}
		_, err = h.Run(context.Background(), s, engine.RunOptions{Budget: limits.Budget{Timeout: time.Minute, CPU: time.Minute}})
		if !errors.Is(err, &engine.Error{Kind: engine.KindLimit, Limit: limits.Memory}) {
			t.Errorf("%s: got %v, want limit memory", src.Name, err)
		}
	}
}

// Any stop, not only the wall time, ends a host call in flight: the host
// function's ctx is the run's context. Here the host function itself pushes
// the process heap over the ceiling, so the heap guard stops the run while
// the call waits; without the shared context the call would wait for the
// 1-minute timeout.
func TestStopCancelsHostCall(t *testing.T) {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(sample)
	ceiling := sample[0].Value.Uint64() + 64<<20
	entered := make(chan struct{}, 2)
	wait := &bridge.Module{Name: "slow", Funcs: []*bridge.Func{{Name: "wait",
		Impl: func(ctx context.Context, _ bridge.Args) (any, error) {
			entered <- struct{}{}
			buf := make([]byte, 256<<20)
			<-ctx.Done()
			runtime.KeepAlive(buf)
			return nil, ctx.Err()
		}}}}
	h, err := engine.NewHost(engine.Config{Backends: []engine.Backend{js.New(), lua.New()},
		Modules: []*bridge.Module{wait}, HeapCeiling: ceiling})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	pol, err := policy.Parse("p.yaml", []byte("name: p\nrules:\n  - name: all\n    allow: [slow.wait]\n"), policy.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, src := range []engine.Source{
		{Name: "w.js", Lang: "js", Code: "try { host.slow.wait() } catch (e) {} return 1"},
		{Name: "w.lua", Lang: "lua", Code: "pcall(host.slow.wait) return 1"},
	} {
		s, err := h.Compile(src)
		if err != nil {
			t.Fatal(err)
		}
		_, err = h.Run(context.Background(), s, engine.RunOptions{Policy: pol,
			Budget: limits.Budget{Timeout: time.Minute, CPU: time.Minute}})
		if !errors.Is(err, &engine.Error{Kind: engine.KindLimit, Limit: limits.Memory}) {
			t.Errorf("%s: got %v, want limit memory (the stop reached the host call)", src.Name, err)
		}
		runtime.GC()
	}
	if len(entered) != 2 {
		t.Errorf("host function entered %d times, want 2", len(entered))
	}
}

// Close releases the backends' pools: no goroutine of the host survives it.
func TestCloseLeavesNoGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	h := newHost(t, nil)
	for _, src := range []engine.Source{
		{Name: "a.js", Lang: "js", Code: "return 1+1"},
		{Name: "a.lua", Lang: "lua", Code: "return 1+1"},
	} {
		s, err := h.Compile(src)
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			if _, err := h.Run(context.Background(), s, engine.RunOptions{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	// The pools' fill goroutines are gone when Close returns.
	buf := make([]byte, 1<<20)
	if st := string(buf[:runtime.Stack(buf, true)]); strings.Contains(st, "/engine/js.") || strings.Contains(st, "/engine/lua.") {
		t.Errorf("a backend goroutine survived Close:\n%s", st)
	}
	// Timers and the heap guard's sampler end on their own within a few
	// milliseconds of the last run; wait for them, then compare.
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after Close, %d before:\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
}
