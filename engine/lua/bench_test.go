package lua_test

import (
	"context"
	"runtime"
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
)

// The interpreter benchmarks compare, in the same run, raw upstream
// gopher-lua (a default NewState running the compiled chunk, no metering),
// the patched copy with a step meter that grants 1000 steps a call (what
// the backend does), and a run through engine.Host (fresh locked-down
// state, steps charged to the watchdog, conversion of the result). Each
// reports cpu-ns/op, the CPU time of the benchmark's own thread
// (RUSAGE_THREAD), next to wall ns/op.
func BenchmarkFib(b *testing.B)     { benchTrio(b, benchFib) }
func BenchmarkLoop(b *testing.B)    { benchTrio(b, benchLoop) }
func BenchmarkStrings(b *testing.B) { benchTrio(b, benchStrings) }
func BenchmarkTables(b *testing.B)  { benchTrio(b, benchTables) }
func BenchmarkTrivial(b *testing.B) { benchTrio(b, benchTrivial) }

func threadCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(1, &ru) // RUSAGE_THREAD
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuLoop runs body b.N times on a locked thread and reports its CPU time.
func cpuLoop(b *testing.B, body func()) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.ReportAllocs()
	b.ResetTimer()
	start := threadCPU()
	for i := 0; i < b.N; i++ {
		body()
	}
	b.ReportMetric(float64(threadCPU()-start)/float64(b.N), "cpu-ns/op")
}

func benchTrio(b *testing.B, src string) {
	b.Run("upstream", func(b *testing.B) {
		chunk, err := parse.Parse(strings.NewReader(src), "b.lua")
		if err != nil {
			b.Fatal(err)
		}
		proto, err := glua.Compile(chunk, "b.lua")
		if err != nil {
			b.Fatal(err)
		}
		cpuLoop(b, func() {
			L := glua.NewState()
			L.Push(L.NewFunctionFromProto(proto))
			if err := L.PCall(0, 1, nil); err != nil {
				b.Fatal(err)
			}
			L.Close()
		})
	})
	b.Run("patched", func(b *testing.B) {
		chunk, err := pparse.Parse(strings.NewReader(src), "b.lua")
		if err != nil {
			b.Fatal(err)
		}
		proto, err := plua.Compile(chunk, "b.lua")
		if err != nil {
			b.Fatal(err)
		}
		cpuLoop(b, func() {
			L := plua.NewState()
			var used int64
			L.SetStepMeter(func(n int64) (int64, error) { used += n; return 1000, nil })
			L.Push(L.NewFunctionFromProto(proto))
			if err := L.PCall(0, 1, nil); err != nil {
				b.Fatal(err)
			}
			L.Close()
		})
	})
	b.Run("host", func(b *testing.B) {
		h, err := engine.NewHost(engine.Config{Backends: []engine.Backend{lua.New()}})
		if err != nil {
			b.Fatal(err)
		}
		s, err := h.Compile(engine.Source{Name: "b.lua", Lang: "lua", Code: src})
		if err != nil {
			b.Fatal(err)
		}
		opts := engine.RunOptions{Budget: limits.Budget{Steps: 1 << 40, Memory: 1 << 34, Timeout: time.Minute, CPU: time.Minute}}
		cpuLoop(b, func() {
			if _, err := h.Run(context.Background(), s, opts); err != nil {
				b.Fatal(err)
			}
		})
	})
}
