package worker_test

import (
	"context"
	"testing"

	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/engine/js"
)

func TestSmoke(t *testing.T) {
	h, err := engine.NewHost(engine.Config{Backends: []engine.Backend{js.New()}, Isolation: engine.Process, Workers: engine.WorkerConfig{Size: 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	s, err := h.Compile(engine.Source{Name: "a.js", Lang: "js", Code: "console.log('hi'); return 1+Date.now()*0"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := h.Run(context.Background(), s, engine.RunOptions{})
	t.Logf("%+v %v", res, err)
}
