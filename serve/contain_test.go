package serve_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/scriptrun/scriptrun/serve"
)

// TestContainment: a script that keeps failing is quarantined by its
// tenant's containment rule; the action is listed, survives the script
// being uploaded again under the same name, and an operator lifts it.
func TestContainment(t *testing.T) {
	t.Parallel()
	f := start(t, nil)
	write(t, filepath.Join(f.policies, "acme.yaml"), `name: acme
rules:
  - name: acme-all
    allow: [kv.*, gate.*]
containment:
  rules:
    - name: crash-loop
      when: stats.failureStreak >= 2
      action: quarantine
      for: 1h
`)
	if err := f.srv.Reload(); err != nil {
		t.Fatal(err)
	}
	loop := `{"script": "loop.js", "tenant": "acme"}`
	for i := 0; i < 2; i++ {
		if a := f.run(loop); a.code != 200 || a.errField("kind") != "limit" {
			t.Fatalf("run %d: %d %s, want a steps limit", i, a.code, a.raw)
		}
	}
	a := f.run(loop)
	if a.code != 200 || a.errField("kind") != "quarantined" || a.errField("rule") != "containment:crash-loop" {
		t.Fatalf("third run: %d %s, want it refused as quarantined", a.code, a.raw)
	}
	// Another tenant's script of the same name is not held.
	if a := f.run(`{"script": "loop.js", "tenant": "bob"}`); a.errField("kind") != "limit" {
		t.Errorf("bob's run: %s, want it run", a.raw)
	}

	acts := f.do("GET", "/v1/admin/actions", "")
	list, _ := acts.body["actions"].([]any)
	if acts.code != 200 || len(list) != 1 {
		t.Fatalf("actions: %d %s, want one", acts.code, acts.raw)
	}
	act := list[0].(map[string]any)
	for k, want := range map[string]any{"tenant": "acme", "script": "loop.js", "rule": "crash-loop", "action": "quarantine", "policy": "acme"} {
		if act[k] != want {
			t.Errorf("action %s = %v, want %v", k, act[k], want)
		}
	}
	id := act["id"].(string)

	// Uploaded again under the same name: still quarantined.
	write(t, filepath.Join(f.scripts, "loop.js"), `return "fixed"`)
	if err := f.srv.Reload(); err != nil {
		t.Fatal(err)
	}
	if a := f.run(loop); a.errField("kind") != "quarantined" {
		t.Errorf("re-uploaded: %s, want still quarantined", a.raw)
	}

	if a := f.do("DELETE", "/v1/admin/actions/no-such-id", ""); a.code != 404 {
		t.Errorf("lifting an unknown action: %d %s, want 404", a.code, a.raw)
	}
	if a := f.do("DELETE", "/v1/admin/actions/"+id, ""); a.code != 200 || a.body["lifted"] != id {
		t.Fatalf("lift: %d %s", a.code, a.raw)
	}
	if a := f.run(loop); a.code != 200 || a.body["value"] != "fixed" {
		t.Errorf("after the lift: %s, want the new version run", a.raw)
	}
	if a := f.do("POST", "/v1/admin/actions/"+id+"/lift", ""); a.code != 404 {
		t.Errorf("lifting it twice: %d, want 404", a.code)
	}
	m := f.do("GET", "/metrics", "").raw
	for _, want := range []string{
		`scriptrun_containment_events_total{action="quarantine",event="taken",mode="enforce"} 1`,
		`scriptrun_containment_events_total{action="quarantine",event="lifted",mode="enforce"} 1`,
		`scriptrun_containment_actions 0`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

// TestContainmentAuth: the administration endpoints need the token.
func TestContainmentAuth(t *testing.T) {
	t.Parallel()
	f := start(t, func(c *serve.Config) { c.Token = "tok" })
	for _, r := range [][2]string{{"GET", "/v1/admin/actions"}, {"DELETE", "/v1/admin/actions/1"}, {"POST", "/v1/admin/actions/1/lift"}, {"POST", "/v1/admin/reload"}} {
		if a := f.do(r[0], r[1], ""); a.code != 401 {
			t.Errorf("%s %s without the token: %d, want 401", r[0], r[1], a.code)
		}
	}
	if a := f.do("GET", "/v1/admin/actions", "", "Authorization", "Bearer tok"); a.code != 200 {
		t.Errorf("with the token: %d %s", a.code, a.raw)
	}
}
