package js_test

import (
	"syscall"
	"testing"
	"time"

	upstream "github.com/dop251/goja"

	"github.com/scriptrun/scriptrun/third_party/goja"
)

// BenchmarkVM compares the patched goja in third_party/ (with a step meter
// set) against unpatched upstream goja on the same programs. Each iteration
// runs both, one after the other, so a busy machine disturbs both alike; the
// metrics are each one's process CPU time per run (user + system, GC
// included) and their ratio, patched/upstream:
//
//	go test ./engine/js -run '^$' -bench BenchmarkVM -count 5
func BenchmarkVM(b *testing.B) {
	for _, w := range vmWorkloads {
		// The script as a function body, the shape the host gives it.
		src := "(function() {\n" + w.src + "\n})()"
		up := upstream.MustCompile("bench.js", src, false)
		pa := goja.MustCompile("bench.js", src, false)
		b.Run(w.name, func(b *testing.B) {
			cpuPair(b, "upstream", "patched", func() error {
				_, err := upstream.New().RunProgram(up)
				return err
			}, func() error {
				vm := goja.New()
				vm.SetStepMeter(func(int64) (int64, error) { return 1 << 16, nil })
				_, err := vm.RunProgram(pa)
				return err
			})
		})
	}
}

// cpuPair runs base and then ours once per iteration, so a busy machine
// disturbs both alike, and reports each one's process CPU time per run and
// the ratio ours/base.
func cpuPair(b *testing.B, baseName, oursName string, base, ours func() error) {
	var baseCPU, oursCPU time.Duration
	for b.Loop() {
		t0 := processCPU()
		if err := base(); err != nil {
			b.Fatal(err)
		}
		t1 := processCPU()
		if err := ours(); err != nil {
			b.Fatal(err)
		}
		t2 := processCPU()
		baseCPU += t1 - t0
		oursCPU += t2 - t1
	}
	b.ReportMetric(float64(baseCPU)/float64(b.N), baseName+"-cpu-ns/op")
	b.ReportMetric(float64(oursCPU)/float64(b.N), oursName+"-cpu-ns/op")
	b.ReportMetric(float64(oursCPU)/float64(baseCPU), oursName+"/"+baseName)
}

var vmWorkloads = []struct{ name, src string }{
	{"fib25", `function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2) } return fib(25)`},
	{"loop5M", `let s = 0; for (let i = 0; i < 5000000; i++) { s += i } return s`},
	{"strings", `let parts = []; let s = "";
		for (let i = 0; i < 20000; i++) { s += i.toString(36); if (s.length > 1000) { parts.push(s); s = "" } }
		return parts.join(",").split(",").map(p => p.toUpperCase().slice(1, 9)).join("").length`},
	{"objects", `let out = [];
		for (let i = 0; i < 20000; i++) { out.push({id: i, name: "n" + i, tags: [i % 7, i % 11], nested: {v: i * 2}}) }
		let by = {}; for (const o of out) { (by[o.tags[0]] ||= []).push(o.nested.v) }
		return Object.keys(by).map(k => by[k].reduce((a, b) => a + b, 0)).reduce((a, b) => a + b, 0)`},
}

// processCPU is the process's CPU time so far (user + system).
func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
