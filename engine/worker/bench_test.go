package worker_test

import (
	"context"
	"testing"

	"github.com/scriptrun/scriptrun/bridge"
	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/engine/js"
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
			Isolation: mode, Workers: engine.WorkerConfig{Size: 1}})
		if err != nil {
			b.Fatal(err)
		}
		for _, sc := range scripts {
			s, err := h.Compile(engine.Source{Name: sc.name + ".js", Lang: "js", Code: sc.code})
			if err != nil {
				b.Fatal(err)
			}
			b.Run(sc.name+"/"+mode.String(), func(b *testing.B) {
				opts := engine.RunOptions{Policy: allowAll}
				for b.Loop() {
					if _, err := h.Run(context.Background(), s, opts); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
		h.Close()
	}
}
