//go:build linux

package worker_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/scriptrun/scriptrun/bridge"
	"github.com/scriptrun/scriptrun/contain"
	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/engine/js"
	"github.com/scriptrun/scriptrun/engine/lua"
)

// Containment works the same with the VM in a worker process: the gate
// and the monitor are in the parent, so a revocation applies from the
// next host call of the running script, and a quarantine refuses runs.
func TestContainmentInWorker(t *testing.T) {
	mon, err := contain.New(contain.Config{})
	if err != nil {
		t.Fatal(err)
	}
	h, err := engine.NewHost(engine.Config{Backends: []engine.Backend{js.New(), lua.New(), hostile{}},
		Modules: []*bridge.Module{echoModule()}, Isolation: engine.Process, Workers: engine.WorkerConfig{Size: 1},
		Containment: mon})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	pol := mustPolicy(`
name: echo
catchableDenials: true
rules:
  - name: not-bad
    allow: [t.echo]
    when: args.v != "bad"
containment:
  rules:
    - name: probing
      when: stats.denials >= 2
      action: revoke
      revoke: [t.*]
      for: 1h
    - name: crash-loop
      when: stats.failureStreak >= 1
      action: quarantine
      for: 1h
`)
	s, err := h.Compile(engine.Source{Name: "probe.js", Lang: "js", Code: `
const out = []
for (const v of ["ok", "bad", "bad", "ok"]) {
  try { out.push(host.t.echo(v)) } catch (e) { out.push(e.message) }
}
return out`})
	if err != nil {
		t.Fatal(err)
	}
	opts := engine.RunOptions{Policy: pol, Identity: engine.Identity{Tenant: "acme"}}
	res, err := h.Run(context.Background(), s, opts)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := res.Value.([]any)
	if len(out) != 4 || out[0] != "ok" || !strings.Contains(out[3].(string), `revoked by containment rule "probing"`) {
		t.Fatalf("results %q; want the last call revoked", out)
	}
	bad, err := h.Compile(engine.Source{Name: "bad.js", Lang: "js", Code: `throw new Error("x")`})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Run(context.Background(), bad, opts); !errors.Is(err, &engine.Error{Kind: engine.KindRuntime}) {
		t.Fatalf("bad run: %v", err)
	}
	if _, err := h.Run(context.Background(), bad, opts); !errors.Is(err, engine.ErrQuarantined) {
		t.Fatalf("second bad run: %v; want quarantined", err)
	}
}
