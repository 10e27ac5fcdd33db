//go:build linux

package worker_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rs/zerolog"

	"github.com/scriptrun/scriptrun/bridge"
	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/engine/js"
	"github.com/scriptrun/scriptrun/engine/lua"
	"github.com/scriptrun/scriptrun/limits"
)

// runModule's functions use what bridge.Run gives a host function: hop
// asks the gate about each hop as a further use of t.hop, grab charges
// memory, say writes a structured log line.
func runModule() *bridge.Module {
	return &bridge.Module{Name: "t", Funcs: []*bridge.Func{
		{Name: "hop", Params: []bridge.Param{{Name: "n", Type: bridge.Int}}, Impl: func(ctx context.Context, a bridge.Args) (any, error) {
			r := bridge.RunFrom(ctx)
			for i := int64(1); i <= a.Int("n"); i++ {
				if err := r.Check(ctx, "t.hop", bridge.Args{"n": i}); err != nil {
					return "went on regardless", nil
				}
			}
			return a.Int("n"), nil
		}},
		{Name: "grab", Params: []bridge.Param{{Name: "n", Type: bridge.Int}}, Impl: func(ctx context.Context, a bridge.Args) (any, error) {
			if err := bridge.RunFrom(ctx).ChargeMemory(ctx, a.Int("n")); err != nil {
				return nil, bridge.Message("out of memory, catch me")
			}
			return a.Int("n"), nil
		}},
		{Name: "say", Params: []bridge.Param{{Name: "m", Type: bridge.String}}, Impl: func(ctx context.Context, a bridge.Args) (any, error) {
			return nil, bridge.RunFrom(ctx).Log(ctx, "warn", a.String("m"), map[string]any{"n": int64(1)})
		}},
	}}
}

const hopPolicy = `
name: hops
rules:
  - name: t
    allow: ["t.*"]
  - name: too-far
    deny: [t.hop]
    when: has(args.n) && args.n > 2
    message: "'this hop is too far'"
`

// TestHostFunctionRun checks, in process and in a worker process, that a
// host function's further checks and charges reach the run: the worker's
// host calls are served in the parent, with the parent's gate and watchdog.
func TestHostFunctionRun(t *testing.T) {
	for _, iso := range []engine.Isolation{engine.InProcess, engine.Process} {
		name := map[engine.Isolation]string{engine.InProcess: "inproc", engine.Process: "process"}[iso]
		t.Run(name, func(t *testing.T) {
			log := &syncBuffer{}
			zl := zerolog.New(log)
			h, err := engine.NewHost(engine.Config{Backends: []engine.Backend{js.New(), lua.New()},
				Modules: []*bridge.Module{runModule()}, Logger: &zl, Isolation: iso, Workers: engine.WorkerConfig{Size: 1}})
			if err != nil {
				t.Fatal(err)
			}
			defer h.Close()
			th := &testHost{Host: h, log: log}
			pol := mustPolicy(hopPolicy)

			// Two allowed hops: three host calls, one audit event each.
			res, err := th.run(t, "js", `return host.t.hop(2)`, engine.RunOptions{Policy: pol})
			if v := wantOK(t, res, err); v != int64(2) {
				t.Errorf("hop(2) = %v", v)
			}
			if res.Usage.HostCalls != 3 {
				t.Errorf("hostCalls = %d, want 3 (the call and its two hops)", res.Usage.HostCalls)
			}
			var via []any
			for _, ev := range log.events(t, "host.call") {
				via = append(via, ev["via"])
			}
			if diff := cmp.Diff([]any{"t.hop", "t.hop", nil}, via); diff != "" {
				t.Errorf("host.call events' via (-want +got):\n%s", diff)
			}

			// A denied hop ends the run as denied (not catchable), though
			// the function went on regardless and the script tried to catch.
			for _, s := range []struct{ lang, code string }{
				{"js", `try { host.t.hop(5) } catch (e) { return "caught" } return "escaped"`},
				{"lua", `local ok = pcall(host.t.hop, 5) return ok and "escaped" or "caught"`},
			} {
				_, err = th.run(t, s.lang, s.code, engine.RunOptions{Policy: pol})
				e := wantKind(t, err, engine.KindDenied, "")
				if e.Capability != "t.hop" || e.Rule != "too-far" {
					t.Errorf("%s: denied %s by %q, want t.hop by too-far: %v", s.lang, e.Capability, e.Rule, e)
				}
			}

			// A charge over the memory budget ends the run with the memory
			// limit, though the function returned a catchable message.
			_, err = th.run(t, "js", `try { host.t.grab(1e6) } catch (e) { return "caught" } return "escaped"`,
				engine.RunOptions{Policy: pol, Budget: limits.Budget{Memory: 1 << 19}})
			wantKind(t, err, engine.KindLimit, limits.Memory)

			// Log lines land in the run's log with their fields, counted
			// against the logs budget.
			res, err = th.run(t, "lua", `host.t.say("hi") return 1`, engine.RunOptions{Policy: pol})
			wantOK(t, res, err)
			if diff := cmp.Diff([]engine.LogLine{{Level: "warn", Message: "hi", Fields: map[string]any{"n": int64(1)}}}, res.Logs); diff != "" {
				t.Errorf("logs (-want +got):\n%s", diff)
			}
			if want := int64(len("hi")) + 1 + bridge.Size(map[string]any{"n": int64(1)}); res.Usage.LogBytes != want {
				t.Errorf("logBytes = %d, want %d", res.Usage.LogBytes, want)
			}
			_, err = th.run(t, "js", `for (;;) host.t.say("x".repeat(100))`,
				engine.RunOptions{Policy: pol, Budget: limits.Budget{Logs: 1000, HostCalls: 1000}})
			wantKind(t, err, engine.KindLimit, limits.Logs)
		})
	}
}
