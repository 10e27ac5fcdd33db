package contain_test

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/scriptrun/scriptrun/bridge"
	"github.com/scriptrun/scriptrun/bridge/kv"
	"github.com/scriptrun/scriptrun/contain"
	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/engine/js"
	"github.com/scriptrun/scriptrun/limits"
	"github.com/scriptrun/scriptrun/policy"
)

// BenchmarkHostCalls: a run of 100 allowed kv.get calls, on hosts without
// a containment monitor (none), with one that has no revocations (the fast
// path: monitor) and with one that has a revocation in force for another
// script (every call looks its script up: revoking). The three run
// interleaved in each iteration, so a busy machine disturbs them alike; the
// metrics are each one's process CPU time per run (user + system, GC
// included) and the ratios to none:
//
//	go test ./contain -run '^$' -bench HostCalls -count 5
func BenchmarkHostCalls(b *testing.B) {
	pol, err := policy.Parse("b.yaml", []byte(`name: b
rules:
  - name: kv
    allow: [kv.get]
containment:
  rules:
    - name: deny-burst
      when: stats.denials >= 1
      action: revoke
      revoke: [kv.*]
      for: 1h
`), policy.Options{})
	if err != nil {
		b.Fatal(err)
	}
	var runs [3]func() error
	for i, mode := range []string{"none", "monitor", "revoking"} {
		cfg := engine.Config{Backends: []engine.Backend{js.New()}, Modules: []*bridge.Module{kv.Module(kv.NewMemory())},
			Budget: limits.Budget{HostCalls: 1000, Timeout: time.Minute, CPU: time.Minute}}
		var mon *contain.Monitor
		if mode != "none" {
			mon, _ = contain.New(contain.Config{})
			cfg.Containment = mon
		}
		h, err := engine.NewHost(cfg)
		if err != nil {
			b.Fatal(err)
		}
		defer h.Close()
		if mode == "revoking" {
			other, _ := h.Compile(engine.Source{Name: "other.js", Lang: "js", Code: `try { host.kv.set("k", 1) } catch (e) {}`})
			_, _ = h.Run(context.Background(), other, engine.RunOptions{Policy: pol})
			if len(mon.Actions()) != 1 {
				b.Fatal("no revocation in force")
			}
		}
		s, err := h.Compile(engine.Source{Name: "calls.js", Lang: "js", Code: `for (let i = 0; i < 100; i++) host.kv.get("k"); return 1`})
		if err != nil {
			b.Fatal(err)
		}
		runs[i] = func() error {
			_, err := h.Run(context.Background(), s, engine.RunOptions{Policy: pol})
			return err
		}
	}
	var cpu [3]time.Duration
	b.ReportAllocs()
	for b.Loop() {
		for i, run := range runs {
			t0 := processCPU()
			if err := run(); err != nil {
				b.Fatal(err)
			}
			cpu[i] += processCPU() - t0
		}
	}
	n := float64(b.N)
	b.ReportMetric(float64(cpu[0])/n, "none-cpu-ns/op")
	b.ReportMetric(float64(cpu[1])/n, "monitor-cpu-ns/op")
	b.ReportMetric(float64(cpu[2])/n, "revoking-cpu-ns/op")
	b.ReportMetric(float64(cpu[1])/float64(cpu[0]), "monitor/none")
	b.ReportMetric(float64(cpu[2])/float64(cpu[0]), "revoking/none")
}

// processCPU is the process's CPU time so far (user + system).
func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
