package recording_test

import (
	"bytes"
	"context"
	"fmt"

	"github.com/scriptrun/scriptrun/bridge"
	"github.com/scriptrun/scriptrun/bridge/kv"
	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/engine/js"
	"github.com/scriptrun/scriptrun/policy"
	"github.com/scriptrun/scriptrun/recording"
)

// Record a run, then replay it: first the same script, then a changed one.
func Example() {
	mods := []*bridge.Module{kv.Module(kv.NewMemory())}
	reg, _ := bridge.NewRegistry(mods...)
	host, _ := engine.NewHost(engine.Config{Backends: []engine.Backend{js.New()}, Modules: mods})
	defer host.Close()
	pol, _ := policy.Parse("kv.yaml", []byte("name: kv\nrules:\n  - name: kv\n    allow: [\"kv.*\"]\n"), policy.Options{})
	src := `const n = (host.kv.get("n") ?? 0) + 1; host.kv.set("n", n); return {n, r: Math.random() < 1}`
	script, _ := host.Compile(engine.Source{Name: "count.js", Lang: "js", Code: src})

	rec, _ := recording.NewRecorder(recording.Options{Registry: reg, Source: &src})
	res, _ := host.Run(context.Background(), script, engine.RunOptions{Policy: pol, Observer: rec, Now: rec.Clock(nil)})
	r, _ := rec.Recording()
	var file bytes.Buffer
	_ = recording.Write(&file, r)
	fmt.Println("recorded:", res.Value)

	r, _ = recording.Read(&file)
	report, _ := recording.Replay(context.Background(), host, script, pol, r, recording.ReplayOptions{Registry: reg})
	fmt.Println("same script matches:", report.Match())

	fixed, _ := host.Compile(engine.Source{Name: "count.js", Lang: "js",
		Code: `const n = (host.kv.get("n") ?? 0) + 2; host.kv.set("n", n); return {n, r: true}`})
	report, _ = recording.Replay(context.Background(), host, fixed, pol, r, recording.ReplayOptions{Registry: reg})
	fmt.Println(report.Notes[0][:40])
	fmt.Println(report.Divergence)
	// Output:
	// recorded: map[n:1 r:true]
	// same script matches: true
	// the script differs from the recorded one
	// host call #1 (kv.set): args.value: recording 1, replay 2
}
