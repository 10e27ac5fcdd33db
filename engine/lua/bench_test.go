package lua_test

import (
	"context"
	"strings"
	"syscall"
	"testing"
	"time"

	glua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"

	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/engine/lua"
	"github.com/scriptrun/scriptrun/limits"
	plua "github.com/scriptrun/scriptrun/third_party/gopher-lua"
	pparse "github.com/scriptrun/scriptrun/third_party/gopher-lua/parse"
)

const (
	benchFib     = "local function fib(n) if n < 2 then return n end return fib(n-1) + fib(n-2) end return fib(25)"
	benchLoop    = "local s = 0 for i = 1, 5000000 do s = s + i end return s"
	benchStrings = `local total = 0
for round = 1, 50 do
  local parts = {}
  for i = 1, 2000 do parts[#parts+1] = "k" .. i .. "=" .. (i * 2) end
  local s = table.concat(parts, ";")
  for w in string.gmatch(s, "k%d+") do total = total + 1 end
  total = total + #s + #string.format("%d %s %5.2f", total, "x", 1.5):rep(100) + #s:upper()
end
return total`
	benchTables = `local t = {}
for i = 1, 100000 do t[i] = {id = i, name = "n" .. (i % 100), v = i * 0.5} end
local s = 0
for _, r in ipairs(t) do s = s + r.v + #r.name end
local m = {}
for i = 1, 100000 do local k = "k" .. (i % 5000) m[k] = (m[k] or 0) + 1 end
table.sort(t, function(a, b) return a.id > b.id end)
return s + m.k1 + t[1].id`
	benchTrivial = "return 1+1"
	benchTail    = "local function f(n) if n == 0 then return 0 end return f(n - 1) end return f(1000000)"
)

// The interpreter benchmarks compare, in the same run, raw upstream
// gopher-lua (a default NewState running the compiled chunk, no metering),
// the patched copy with a step meter that grants 1000 steps a call (what
// the backend does), and a run through engine.Host (fresh locked-down
// state, steps charged to the watchdog, conversion of the result). Each
// iteration runs all three, one after the other, so a busy machine
// disturbs them alike; the metrics are each one's process CPU time per run
// (user + system, GC included) and the ratios patched/upstream and
// host/upstream:
//
//	go test ./engine/lua -run '^$' -bench . -count 5
func BenchmarkFib(b *testing.B)     { benchTrio(b, benchFib) }
func BenchmarkLoop(b *testing.B)    { benchTrio(b, benchLoop) }
func BenchmarkStrings(b *testing.B) { benchTrio(b, benchStrings) }
func BenchmarkTables(b *testing.B)  { benchTrio(b, benchTables) }
func BenchmarkTrivial(b *testing.B) { benchTrio(b, benchTrivial) }
func BenchmarkTail(b *testing.B)    { benchTrio(b, benchTail) }

// processCPU is the process's CPU time so far (user + system).
func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func benchTrio(b *testing.B, src string) {
	h, err := engine.NewHost(engine.Config{Backends: []engine.Backend{lua.New()}})
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	e := threeEngines(b, h, src)
	runs := []func() error{e.upstream, e.patched, e.host}
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
	b.ReportMetric(float64(cpu[0])/n, "upstream-cpu-ns/op")
	b.ReportMetric(float64(cpu[1])/n, "patched-cpu-ns/op")
	b.ReportMetric(float64(cpu[2])/n, "host-cpu-ns/op")
	b.ReportMetric(float64(cpu[1])/float64(cpu[0]), "patched/upstream")
	b.ReportMetric(float64(cpu[2])/float64(cpu[0]), "host/upstream")
}

// engines runs one program once on each engine the benchmarks compare.
type engines struct{ upstream, patched, host func() error }

// threeEngines compiles src for raw upstream gopher-lua (a default
// NewState, no metering), the patched copy with a step meter that grants
// 1000 steps a call (what the backend does) and the host h.
func threeEngines(tb testing.TB, h *engine.Host, src string) engines {
	chunk, err := parse.Parse(strings.NewReader(src), "b.lua")
	if err != nil {
		tb.Fatal(err)
	}
	up, err := glua.Compile(chunk, "b.lua")
	if err != nil {
		tb.Fatal(err)
	}
	pchunk, err := pparse.Parse(strings.NewReader(src), "b.lua")
	if err != nil {
		tb.Fatal(err)
	}
	pa, err := plua.Compile(pchunk, "b.lua")
	if err != nil {
		tb.Fatal(err)
	}
	s, err := h.Compile(engine.Source{Name: "b.lua", Lang: "lua", Code: src})
	if err != nil {
		tb.Fatal(err)
	}
	opts := engine.RunOptions{Budget: limits.Budget{Steps: 1 << 40, Memory: 1 << 34, Timeout: time.Hour, CPU: time.Hour}}
	return engines{
		upstream: func() error {
			L := glua.NewState()
			defer L.Close()
			L.Push(L.NewFunctionFromProto(up))
			return L.PCall(0, 1, nil)
		},
		patched: func() error {
			L := plua.NewState()
			defer L.Close()
			L.SetStepMeter(func(int64) (int64, error) { return 1000, nil })
			L.Push(L.NewFunctionFromProto(pa))
			return L.PCall(0, 1, nil)
		},
		host: func() error {
			_, err := h.Run(context.Background(), s, opts)
			return err
		},
	}
}

// BenchmarkStepRate reports how many steps a CPU second buys (the run's
// own CPU time as the watchdog measures it) in endless loops that the step
// budget stops: limits.Default().Steps is meant to be about a second of a
// tight loop.
func BenchmarkStepRate(b *testing.B) {
	for _, tt := range []struct{ name, src string }{
		{"while", "while true do end"},
		{"count", "local i = 0 while true do i = i + 1 end"},
		{"for", "for i = 1, 1e15 do end"},
		{"tailcall", "local function f(n) return f(n + 1) end return f(0)"},
	} {
		b.Run(tt.name, func(b *testing.B) {
			h, err := engine.NewHost(engine.Config{Backends: []engine.Backend{lua.New()}})
			if err != nil {
				b.Fatal(err)
			}
			s, err := h.Compile(engine.Source{Name: "b.lua", Lang: "lua", Code: tt.src})
			if err != nil {
				b.Fatal(err)
			}
			opts := engine.RunOptions{Budget: limits.Budget{Steps: 20_000_000, Timeout: time.Minute, CPU: time.Minute}}
			var steps, cpuMs int64
			for b.Loop() {
				res, err := h.Run(context.Background(), s, opts)
				if kindOf(err) != "limit:steps" {
					b.Fatalf("%v, want limit steps", err)
				}
				steps += res.Usage.Steps
				cpuMs += res.Usage.CPUMs
			}
			b.ReportMetric(float64(steps)/(float64(cpuMs)/1000), "steps/cpu-s")
		})
	}
}

// BenchmarkCoverage is what collecting line coverage (RunOptions.Coverage)
// costs a run through the host: the CPU time of a run with coverage and
// its ratio to the same run without, measured in the same iteration:
//
//	go test ./engine/lua -run '^$' -bench BenchmarkCoverage -count 5
//
// Runs without coverage pay nothing for it (the VM runs its usual loop);
// see the other benchmarks for those.
func BenchmarkCoverage(b *testing.B) {
	for _, w := range []struct{ name, src string }{{"fib25", benchFib}, {"loop5M", benchLoop}} {
		b.Run(w.name, func(b *testing.B) {
			h, err := engine.NewHost(engine.Config{Backends: []engine.Backend{lua.New()}})
			if err != nil {
				b.Fatal(err)
			}
			defer h.Close()
			s, err := h.Compile(engine.Source{Name: "b.lua", Lang: "lua", Code: w.src})
			if err != nil {
				b.Fatal(err)
			}
			opts := engine.RunOptions{Budget: limits.Budget{Steps: 1 << 40, Memory: 1 << 34, Timeout: time.Hour, CPU: time.Hour}}
			var cpu [2]time.Duration
			for b.Loop() {
				for i := range cpu {
					o := opts
					if i == 1 {
						o.Coverage = &engine.Coverage{}
					}
					t0 := processCPU()
					if _, err := h.Run(context.Background(), s, o); err != nil {
						b.Fatal(err)
					}
					cpu[i] += processCPU() - t0
				}
			}
			b.ReportMetric(float64(cpu[0])/float64(b.N), "plain-cpu-ns/op")
			b.ReportMetric(float64(cpu[1])/float64(b.N), "coverage-cpu-ns/op")
			b.ReportMetric(float64(cpu[1])/float64(cpu[0]), "coverage/plain")
		})
	}
}
