package js_test

import (
	"context"
	"testing"

	upstream "github.com/dop251/goja"

	"github.com/scriptrun/scriptrun/bridge"
	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/engine/js"
	"github.com/scriptrun/scriptrun/limits"
)

// BenchmarkHost compares the host (patched goja, step meter, lockdown,
// bridge, watchdog) with unpatched upstream goja running the same script as
// a function body in a fresh runtime. Each iteration runs both, one after
// the other, so a busy machine disturbs both alike; the metrics are each
// one's process CPU time per run (user + system, GC and the pool's
// background refill included) and their ratio:
//
//	go test ./engine/js -run '^$' -bench BenchmarkHost -count 5
func BenchmarkHost(b *testing.B) {
	for _, w := range append(vmWorkloads, struct{ name, src string }{"trivial", "return 1+1"}) {
		b.Run(w.name, func(b *testing.B) {
			up := upstream.MustCompile("bench.js", "(function() {\n"+w.src+"\n})()", false)
			h := newHost(b)
			s := compileBench(b, h, w.src)
			opts := benchOptions(b)
			cpuPair(b, "upstream", "host", func() error {
				_, err := upstream.New().RunProgram(up)
				return err
			}, func() error {
				_, err := h.Run(context.Background(), s, opts)
				return err
			})
		})
	}
}

// BenchmarkTrivial is a `return 1+1` run end to end (engine.Host with the
// JS backend, a policy, the watchdog), one run at a time and as many at
// once as there are Ps (parallel), reporting the process's CPU time per run
// (user + system, GC included):
//
//	go test ./engine/js -run '^$' -bench BenchmarkTrivial -count 5
//
// Every run makes its runtime on the spot (there is no pool of prepared
// runtimes to hide the cost, so a burst costs what a single run does).
func BenchmarkTrivial(b *testing.B) {
	b.Run("serial", func(b *testing.B) {
		h, s, opts := trivialHost(b)
		b.ReportAllocs()
		start := processCPU()
		for b.Loop() {
			if _, err := h.Run(context.Background(), s, opts); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(processCPU()-start)/float64(b.N), "cpu-ns/op")
	})
	b.Run("parallel", func(b *testing.B) {
		h, s, opts := trivialHost(b)
		b.ReportAllocs()
		start := processCPU()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := h.Run(context.Background(), s, opts); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(processCPU()-start)/float64(b.N), "cpu-ns/op")
	})
}

func trivialHost(b *testing.B) (*engine.Host, *engine.Script, engine.RunOptions) {
	h, err := engine.NewHost(engine.Config{Backends: []engine.Backend{js.New()}, Modules: []*bridge.Module{testModule(nil)}})
	if err != nil {
		b.Fatal(err)
	}
	return h, compileBench(b, h, "return 1+1"), benchOptions(b)
}

func compileBench(b testing.TB, h *engine.Host, src string) *engine.Script {
	s, err := h.Compile(engine.Source{Name: "bench.js", Lang: "js", Code: src})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

func benchOptions(b testing.TB) engine.RunOptions {
	return engine.RunOptions{Policy: mustPolicy(b, testPolicy), Budget: limits.Budget{Steps: 1 << 40, Timeout: 1 << 40, CPU: 1 << 40}}
}

// BenchmarkCoverage is what collecting line coverage (RunOptions.Coverage)
// costs a run through the host, as the CPU ratio of a run with coverage to
// the same run without, measured in the same iteration:
//
//	go test ./engine/js -run '^$' -bench BenchmarkCoverage -count 5
//
// Runs without coverage pay nothing for it (the VM runs its usual loop);
// see BenchmarkVM and BenchmarkHost for those.
func BenchmarkCoverage(b *testing.B) {
	for _, w := range vmWorkloads[:2] {
		b.Run(w.name, func(b *testing.B) {
			h := newHost(b)
			s := compileBench(b, h, w.src)
			opts := benchOptions(b)
			cov := opts
			cpuPair(b, "plain", "coverage", func() error {
				_, err := h.Run(context.Background(), s, opts)
				return err
			}, func() error {
				cov.Coverage = &engine.Coverage{}
				_, err := h.Run(context.Background(), s, cov)
				return err
			})
		})
	}
}
