package log_test

import (
	"context"
	"fmt"

	"github.com/scriptrun/scriptrun/bridge"
	"github.com/scriptrun/scriptrun/bridge/log"
	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/engine/js"
	"github.com/scriptrun/scriptrun/policy"
)

func Example() {
	h, _ := engine.NewHost(engine.Config{Backends: []engine.Backend{js.New()}, Modules: []*bridge.Module{log.Module()}})
	defer h.Close()
	pol, _ := policy.Parse("p.yaml", []byte("name: p\nrules:\n  - name: log\n    allow: [log.*]\n"), policy.Options{})
	s, _ := h.Compile(engine.Source{Name: "sync.js", Lang: "js",
		Code: `host.log.info("order synced", {id: 42}); host.log.warn("slow partner")`})
	res, err := h.Run(context.Background(), s, engine.RunOptions{Policy: pol})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, l := range res.Logs {
		fmt.Println(l.Level, l.Message, l.Fields)
	}
	fmt.Println("log bytes:", res.Usage.LogBytes)
	// Output:
	// info order synced map[id:42]
	// warn slow partner map[]
	// log bytes: 42
}
