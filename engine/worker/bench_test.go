//go:build linux

package worker_test

import (
	"context"
	"testing"
	"time"

	"golang.org/x/sys/unix"

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
// It runs four cases: a trivial script and one making 100 host calls, each
// in process and in a worker, b.N runs of each, in turns of benchBlock runs
// of one case, so that the load of a shared machine falls on the four
// alike. For each case it reports the CPU time of this process and the
// worker together per run (<case>-cpu-ns), read from the kernel's
// per-process CPU clocks to the nanosecond, and from those what the worker
// adds:
//
//	added-cpu-ns/run  = process/trivial - inproc/trivial
//	added-cpu-ns/call = ((process/calls100 - inproc/calls100) - added-cpu-ns/run) / 100
//
// and the same for wall time (added-wall-ns/...), which on a busy machine
// is mostly waiting for a core. Work a run leaves behind (garbage for the
// GC, the JS backend preparing the next run's runtime in the background)
// belongs to its case; in turns of many runs only a turn's last run spills
// into the next turn. In turns of one run each (tried first), that work
// landed in the next case and about doubled the added CPU per run.
func BenchmarkIsolation(b *testing.B) {
	type benchCase struct {
		name string
		h    *engine.Host
		s    *engine.Script
	}
	scripts := []struct{ name, code string }{
		{"trivial", "return 1"},
		{"calls100", "let s = 0; for (let i = 0; i < 100; i++) s += host.t.echo(i); return s"},
	}
	hosts := map[engine.Isolation]*engine.Host{}
	for _, mode := range []engine.Isolation{engine.InProcess, engine.Process} {
		h, err := engine.NewHost(engine.Config{Backends: []engine.Backend{js.New()}, Modules: []*bridge.Module{echoModule()},
			// One worker for the whole benchmark, so that its CPU clock
			// counts all of it.
			Isolation: mode, Workers: engine.WorkerConfig{Size: 1, Max: 1, MaxRuns: 1 << 30}})
		if err != nil {
			b.Fatal(err)
		}
		defer h.Close()
		hosts[mode] = h
	}
	pids := children()
	if len(pids) != 1 {
		b.Fatalf("%d worker processes, want 1", len(pids))
	}
	worker := processClock(pids[0])
	var cases []benchCase
	for _, sc := range scripts {
		for _, mode := range []engine.Isolation{engine.InProcess, engine.Process} {
			s, err := hosts[mode].Compile(engine.Source{Name: sc.name + ".js", Lang: "js", Code: sc.code})
			if err != nil {
				b.Fatal(err)
			}
			cases = append(cases, benchCase{sc.name + "/" + mode.String(), hosts[mode], s})
		}
	}
	// A long timeout: a busy machine must not fail the benchmark.
	opts := engine.RunOptions{Policy: allowAll, Budget: limits.Budget{Timeout: time.Minute}}
	cpu := make([]time.Duration, len(cases))
	wall := make([]time.Duration, len(cases))
	b.ResetTimer()
	for done := 0; done < b.N; done += benchBlock {
		n := min(benchBlock, b.N-done)
		for i, c := range cases {
			c0, t0 := cpuTime(b, worker), time.Now()
			for range n {
				if _, err := c.h.Run(context.Background(), c.s, opts); err != nil {
					b.Fatalf("%s: %v", c.name, err)
				}
			}
			wall[i] += time.Since(t0)
			cpu[i] += cpuTime(b, worker) - c0
		}
	}
	if len(children()) != 1 {
		b.Fatal("the worker was replaced during the benchmark: its CPU time is lost")
	}
	n := float64(b.N)
	for i, c := range cases {
		b.ReportMetric(float64(cpu[i])/n, c.name+"-cpu-ns")
	}
	// cases: trivial/inproc, trivial/process, calls100/inproc, calls100/process.
	added := func(d []time.Duration) (perRun, perCall float64) {
		perRun = float64(d[1]-d[0]) / n
		return perRun, (float64(d[3]-d[2])/n - perRun) / 100
	}
	run, call := added(cpu)
	b.ReportMetric(run, "added-cpu-ns/run")
	b.ReportMetric(call, "added-cpu-ns/call")
	run, call = added(wall)
	b.ReportMetric(run, "added-wall-ns/run")
	b.ReportMetric(call, "added-wall-ns/call")
}

// benchBlock is how many runs of one case BenchmarkIsolation makes in a
// turn.
const benchBlock = 100

// processClock returns the clock ID of process pid's CPU time
// (MAKE_PROCESS_CPUCLOCK(pid, CPUCLOCK_SCHED) in the kernel's
// posix-cpu-timers): all its threads, to the nanosecond.
func processClock(pid int) int32 { return int32(^pid<<3 | 2) }

// cpuTime returns the CPU time of this process plus that of the process
// whose clock is other.
func cpuTime(b *testing.B, other int32) time.Duration {
	var self, kid unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_PROCESS_CPUTIME_ID, &self); err != nil {
		b.Fatal(err)
	}
	if err := unix.ClockGettime(other, &kid); err != nil {
		b.Fatalf("the worker's CPU clock: %v", err)
	}
	return time.Duration(self.Nano() + kid.Nano())
}
