//go:build linux

package worker_test

import (
	"context"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/scriptrun/scriptrun/bridge"
	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/engine/js"
	"github.com/scriptrun/scriptrun/limits"
)

// BenchmarkIsolation measures what a worker process adds to a run and to a
// host call, against the same runs in process, in the same run:
//
//	go test ./engine/worker -run '^$' -bench Isolation -benchtime 2000x -count 5
//
// Per run: process/trivial - inproc/trivial; per host call:
// ((process/calls100 - inproc/calls100) - (process/trivial - inproc/trivial)) / 100.
func BenchmarkIsolation(b *testing.B) {
	scripts := []struct{ name, code string }{
		{"trivial", "return 1"},
		{"calls100", "let s = 0; for (let i = 0; i < 100; i++) s += host.t.echo(i); return s"},
	}
	for _, mode := range []engine.Isolation{engine.InProcess, engine.Process} {
		h, err := engine.NewHost(engine.Config{Backends: []engine.Backend{js.New()}, Modules: []*bridge.Module{echoModule()},
			// One worker for the whole benchmark, so that its CPU time
			// (read from /proc while it lives) is all counted.
			Isolation: mode, Workers: engine.WorkerConfig{Size: 1, MaxRuns: 1 << 30}})
		if err != nil {
			b.Fatal(err)
		}
		for _, sc := range scripts {
			s, err := h.Compile(engine.Source{Name: sc.name + ".js", Lang: "js", Code: sc.code})
			if err != nil {
				b.Fatal(err)
			}
			b.Run(sc.name+"/"+mode.String(), func(b *testing.B) {
				// A long timeout: a busy machine must not fail the benchmark.
				opts := engine.RunOptions{Policy: allowAll, Budget: limits.Budget{Timeout: time.Minute}}
				self0, kids0 := cpuNow()
				for b.Loop() {
					if _, err := h.Run(context.Background(), s, opts); err != nil {
						b.Fatal(err)
					}
				}
				self1, kids1 := cpuNow()
				// CPU time, this process and its workers: wall time on a
				// busy machine is mostly waiting for a core.
				b.ReportMetric(float64(self1-self0)/float64(b.N), "host-cpu-ns/op")
				b.ReportMetric(float64(kids1-kids0)/float64(b.N), "worker-cpu-ns/op")
			})
		}
		h.Close()
	}
}

// cpuNow returns the CPU time of this process and the total of its live
// child processes (the workers; from /proc, in clock ticks of 10ms, so
// benchmarks need enough runs).
func cpuNow() (self, kids time.Duration) {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	self = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	for _, pid := range children() {
		data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			continue
		}
		s := string(data)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		// Fields after the command: state(0) ppid(1) ... utime(11) stime(12).
		if len(f) > 12 {
			u, _ := strconv.ParseInt(f[11], 10, 64)
			st, _ := strconv.ParseInt(f[12], 10, 64)
			kids += time.Duration(u+st) * 10 * time.Millisecond
		}
	}
	return self, kids
}
