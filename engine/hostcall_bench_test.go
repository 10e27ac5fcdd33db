//go:build linux

package engine_test

import (
	"context"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/sys/unix"

	"github.com/scriptrun/scriptrun/bridge"
	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/limits"
	"github.com/scriptrun/scriptrun/policy"
)

// hostCallPolicies are the three-rule policies of BenchmarkHostCall, by
// how many expressions a call needs evaluated once the run has settled what
// reads only the script and the call. For the benchmark's call,
// kv.get("acme:orders") by a script of tenant acme with label plan=pro,
// every rule's pattern matches.
var hostCallPolicies = []struct{ name, src string }{
	// args+usage, the main case: two expressions per call.
	//   - tenant-kv (allow): match reads only the script (true, settled per
	//     run); when reads args and script (true): the call is allowed;
	//   - kv-quota (deny): when reads call and usage.calls (false);
	//   - suspended (deny): match reads only the script (false, settled);
	//     no when.
	{"args+usage", `
name: bench
rules:
  - name: tenant-kv
    match: script.tenant == "acme"
    allow: ["kv.*"]
    when: args.key.startsWith(script.tenant + ":")
  - name: kv-quota
    deny: ["kv.*"]
    when: call.name in usage.calls && usage.calls[call.name] >= 1000000
    message: "'quota of ' + call.name + ' reached'"
  - name: suspended
    match: script.labels["plan"] == "suspended"
    deny: ["*"]
    message: "'tenant ' + script.tenant + ' is suspended'"
`},
	// args: one expression per call (tenant-kv's when); no-admin reads
	// only the call and is settled per run.
	{"args", `
name: bench
rules:
  - name: tenant-kv
    match: script.tenant == "acme"
    allow: ["kv.*"]
    when: args.key.startsWith(script.tenant + ":")
  - name: no-admin
    deny: ["kv.*"]
    when: call.function == "admin"
  - name: suspended
    match: script.labels["plan"] == "suspended"
    deny: ["*"]
    message: "'tenant ' + script.tenant + ' is suspended'"
`},
	// table: nothing per call; every rule is settled per run.
	{"table", `
name: bench
rules:
  - name: tenant-kv
    match: script.tenant == "acme"
    allow: ["kv.*"]
  - name: no-admin
    deny: ["kv.*"]
    when: call.function == "admin"
  - name: suspended
    match: script.labels["plan"] == "suspended"
    deny: ["*"]
    message: "'tenant ' + script.tenant + ' is suspended'"
`},
}

// BenchmarkHostCall measures the CPU cost of one host call through the full
// path (engine.Env.Call -> bridge.Dispatcher: argument check and copy ->
// the run's gate: host-call budget and a three-rule policy of
// hostCallPolicies, one sub-benchmark each ->
// audit event encoded by zerolog into a writer that drops it -> the module
// function -> result copy) against a direct Go call of the same module
// function, in the same benchmark run:
//
//	go test ./engine -run '^$' -bench HostCall -count 5
//
// Each iteration makes hostCallBlock direct calls, then one run making
// hostCallBlock calls, then one run making none, and reads the process CPU
// clock (GC included) around each. Metrics:
//
//	direct-cpu-ns/call = direct / hostCallBlock
//	path-cpu-ns/call   = (run with calls - run without) / hostCallBlock
//	overhead-ns/call   = path - direct
//	run-cpu-ns         = the run without calls (per-run setup, informational)
func BenchmarkHostCall(b *testing.B) {
	mod, get := benchKV()
	log := zerolog.New(discard{})
	h, err := engine.NewHost(engine.Config{Backends: []engine.Backend{callBackend{}},
		Modules: []*bridge.Module{mod}, Logger: &log})
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	s, err := h.Compile(engine.Source{Name: "bench.calls", Lang: "calls"})
	if err != nil {
		b.Fatal(err)
	}
	for _, pc := range hostCallPolicies {
		pol, err := policy.Parse("bench.yaml", []byte(pc.src), policy.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(pc.name, func(b *testing.B) { benchHostCall(b, h, s, get, pol) })
	}
}

func benchHostCall(b *testing.B, h *engine.Host, s *engine.Script, get *bridge.Func, pol *policy.Policy) {
	opts := engine.RunOptions{Policy: pol, Identity: engine.Identity{Tenant: "acme", Labels: map[string]string{"plan": "pro"}},
		Budget: limits.Budget{HostCalls: hostCallBlock, Timeout: time.Minute}}
	run := func(calls int64) {
		o := opts
		o.Input = calls
		res, err := h.Run(context.Background(), s, o)
		if err != nil {
			b.Fatal(err)
		}
		if calls > 0 && res.Value != "12" {
			b.Fatalf("run result %v, want 12", res.Value)
		}
	}
	ctx := context.Background()
	args := bridge.Args{"key": "acme:orders"}
	var direct, path, empty time.Duration
	for b.Loop() {
		t0 := processCPU(b)
		for i := 0; i < hostCallBlock; i++ {
			if v, err := get.Impl(ctx, args); err != nil || v != "12" {
				b.Fatal(v, err)
			}
		}
		t1 := processCPU(b)
		run(hostCallBlock)
		t2 := processCPU(b)
		run(0)
		t3 := processCPU(b)
		direct += t1 - t0
		path += t2 - t1
		empty += t3 - t2
	}
	n := float64(b.N)
	perCall := func(d time.Duration) float64 { return float64(d) / n / hostCallBlock }
	b.ReportMetric(perCall(direct), "direct-cpu-ns/call")
	b.ReportMetric(perCall(path-empty), "path-cpu-ns/call")
	b.ReportMetric(perCall(path-empty-direct), "overhead-ns/call")
	b.ReportMetric(float64(empty)/n, "run-cpu-ns")
}

// processCPU reads the process's CPU clock (all threads, to the nanosecond).
func processCPU(b *testing.B) time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_PROCESS_CPUTIME_ID, &ts); err != nil {
		b.Fatalf("process CPU clock: %v", err)
	}
	return time.Duration(ts.Nano())
}
