package js_test

import (
	"context"
	"testing"

	"github.com/dop251/goja"

	"github.com/scriptrun/scriptrun/bridge"
	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/engine/js"
	"github.com/scriptrun/scriptrun/limits"
)

// The benchmarks compare raw goja with the host on the same script, in the
// same run, so the ratio (host/raw) is what to read:
//
//	go test ./engine/js -run '^$' -bench . -benchtime 20x -count 3

const (
	benchFib  = "function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2) }\n"
	benchLoop = "let s = 0; for (let i = 0; i < 5000000; i++) { s += i }\n"
)

// benchPair runs raw goja (a new runtime and the script as a function body,
// the same shape the host gives it) against the host.
func benchPair(b *testing.B, body string) {
	rawSrc := "(function() {\n" + body + "\n})()"
	hostSrc := body
	b.Run("raw", func(b *testing.B) {
		p := goja.MustCompile("bench.js", rawSrc, false)
		b.ReportAllocs()
		for b.Loop() {
			vm := goja.New()
			if _, err := vm.RunProgram(p); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("host", func(b *testing.B) { benchHost(b, newHost(b), hostSrc) })
	b.Run("host-nopool", func(b *testing.B) {
		h, err := engine.NewHost(engine.Config{Backends: []engine.Backend{&js.Backend{}}, Modules: []*bridge.Module{testModule(nil)}})
		if err != nil {
			b.Fatal(err)
		}
		benchHost(b, h, hostSrc)
	})
}

func benchHost(b *testing.B, h *engine.Host, hostSrc string) {
	s, err := h.Compile(engine.Source{Name: "bench.js", Lang: "js", Code: hostSrc})
	if err != nil {
		b.Fatal(err)
	}
	opts := engine.RunOptions{Policy: mustPolicy(b, testPolicy), Budget: limits.Budget{Steps: 1 << 40, Timeout: 1 << 40, CPU: 1 << 40}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.Run(context.Background(), s, opts); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFib(b *testing.B) { benchPair(b, benchFib+"return fib(25)") }

func BenchmarkLoop(b *testing.B) { benchPair(b, benchLoop+"return s") }

func BenchmarkTrivial(b *testing.B) { benchPair(b, "return 1+1") }
