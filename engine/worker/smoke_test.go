package worker_test

import (
	"context"
	"errors"
	"testing"

	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/engine/js"
	"github.com/scriptrun/scriptrun/engine/lua"
)

func TestSmoke(t *testing.T) {
	h, err := engine.NewHost(engine.Config{Backends: []engine.Backend{js.New(), lua.New()}, Isolation: engine.Process, Workers: engine.WorkerConfig{Size: 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	for _, src := range []engine.Source{{Name: "a.js", Lang: "js", Code: "console.log('hi'); return 1+Date.now()*0"},
		{Name: "a.lua", Lang: "lua", Code: "return 1"}} {
		s, err := h.Compile(src)
		if err != nil {
			t.Fatal(err)
		}
		res, err := h.Run(context.Background(), s, engine.RunOptions{})
		t.Logf("%+v %v %v", res, err, errors.Unwrap(err))
	}
}
