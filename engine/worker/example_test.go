//go:build linux

package worker_test

import (
	"context"
	"fmt"

	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/engine/js"
	"github.com/scriptrun/scriptrun/engine/worker"
)

// An application that runs scripts in worker processes calls worker.Main
// first thing in main, with the backends its workers run: in the worker
// role the process serves runs and exits there; otherwise Main returns at
// once and the application goes on as usual.
func Example() {
	worker.Main(js.New()) // first thing in main

	host, err := engine.NewHost(engine.Config{
		Backends:  []engine.Backend{js.New()},
		Isolation: engine.Process,
		Workers:   engine.WorkerConfig{Size: 1},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer host.Close()
	script, err := host.Compile(engine.Source{Name: "answer.js", Lang: "js", Code: "return input.a * input.b"})
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := host.Run(context.Background(), script, engine.RunOptions{Input: map[string]any{"a": int64(6), "b": int64(7)}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Value)
	// Output: 42
}
