package lua_test

import (
	"context"
	"strings"
	"testing"
	"time"

	glua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"

	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/engine/lua"
	"github.com/scriptrun/scriptrun/limits"
)

const (
	benchFib     = "local function fib(n) if n < 2 then return n end return fib(n-1) + fib(n-2) end return fib(25)"
	benchLoop    = "local s = 0 for i = 1, 5000000 do s = s + i end return s"
	benchTrivial = "return 1+1"
)

// BenchmarkFib, BenchmarkLoop and BenchmarkTrivial compare raw gopher-lua
// (a default NewState running the same compiled chunk, no metering) with a
// run through engine.Host (fresh safe state, counted steps, watchdog,
// conversion of the result).
func BenchmarkFib(b *testing.B)     { benchPair(b, benchFib) }
func BenchmarkLoop(b *testing.B)    { benchPair(b, benchLoop) }
func BenchmarkTrivial(b *testing.B) { benchPair(b, benchTrivial) }

func benchPair(b *testing.B, src string) {
	b.Run("raw", func(b *testing.B) {
		chunk, err := parse.Parse(strings.NewReader(src), "b.lua")
		if err != nil {
			b.Fatal(err)
		}
		proto, err := glua.Compile(chunk, "b.lua")
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			L := glua.NewState()
			L.Push(L.NewFunctionFromProto(proto))
			if err := L.PCall(0, 1, nil); err != nil {
				b.Fatal(err)
			}
			L.Close()
		}
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
		opts := engine.RunOptions{Budget: limits.Budget{Steps: 1 << 40, Timeout: time.Minute, CPU: time.Minute}}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := h.Run(context.Background(), s, opts); err != nil {
				b.Fatal(err)
			}
		}
	})
}
