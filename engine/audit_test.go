package engine_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/scriptrun/scriptrun/bridge"
	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/policy"
)

// listBackend is an engine.Backend whose "scripts" make the host calls
// listed in env.Input ([][capability, args...]), stopping at the first
// error.
type listBackend struct{}

func (listBackend) Lang() string { return "list" }

func (listBackend) Compile(engine.Source, engine.CompileLimits) (engine.Program, error) {
	return struct{}{}, nil
}

func (listBackend) Run(ctx context.Context, _ engine.Program, env *engine.Env) (any, error) {
	calls, _ := env.Input.([]any)
	for _, c := range calls {
		c := c.([]any)
		if _, err := env.Call(ctx, c[0].(string), c[1:]); err != nil {
			return nil, err
		}
	}
	return nil, nil
}

func auditModule() *bridge.Module {
	echo := func(_ context.Context, args bridge.Args) (any, error) { return "ok", nil }
	return &bridge.Module{Name: "svc", Funcs: []*bridge.Func{
		{Name: "login", Params: []bridge.Param{{Name: "user", Type: bridge.String}, {Name: "token", Type: bridge.String, Secret: true}}, Impl: echo},
		{Name: "ping", Params: []bridge.Param{{Name: "n", Type: bridge.Int}}, Impl: echo},
	}}
}

func find(evs []map[string]any, name string) []map[string]any {
	var out []map[string]any
	for _, ev := range evs {
		if ev["event"] == name {
			out = append(out, ev)
		}
	}
	return out
}

// Audit events say which script version ran under which policy revision;
// run.started has what a replay needs (seed, start); would-be denials in
// audit mode stand out (warn); argument values are logged only where the
// policy or the run asks for them, with secret params redacted.
func TestAuditVersionsSeedsArgs(t *testing.T) {
	var buf bytes.Buffer
	log := zerolog.New(&buf)
	h, err := engine.NewHost(engine.Config{Backends: []engine.Backend{listBackend{}}, Modules: []*bridge.Module{auditModule()}, Logger: &log})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	s, err := h.Compile(engine.Source{Name: "steps.list", Lang: "list", Code: "x", Version: "v7"})
	if err != nil {
		t.Fatal(err)
	}
	if s.Version() != "v7" {
		t.Errorf("Version() = %q, want v7", s.Version())
	}
	const src = `
name: audited
mode: audit
audit: {args: true}
rules:
  - name: ping
    allow: [svc.ping]
`
	pol, err := policy.Parse("audited.yaml", []byte(src), policy.Options{})
	if err != nil {
		t.Fatal(err)
	}
	input := []any{[]any{"svc.ping", int64(1)}, []any{"svc.login", "ann", "hunter2"}}
	buf.Reset()
	before := time.Now()
	res, err := h.Run(context.Background(), s, engine.RunOptions{Policy: pol, Input: input, Seed: 42})
	if err != nil {
		t.Fatalf("audit mode: %v", err)
	}
	evs := events(t, &buf)
	if strings.Contains(buf.String(), "hunter2") {
		t.Errorf("the secret token reached the audit log:\n%s", buf.String())
	}
	started := find(evs, "run.started")
	if len(started) != 1 {
		t.Fatalf("run.started events: %v", started)
	}
	st := started[0]
	start, perr := time.Parse(time.RFC3339Nano, st["start"].(string))
	if st["sha256"] != s.SHA256() || st["version"] != "v7" || st["seed"] != float64(42) || res.Seed != 42 ||
		perr != nil || start.Before(before.Truncate(time.Second)) || st["policy"] != "audited" || st["policyRevision"] != pol.Revision() {
		t.Errorf("run.started %v; want sha256 %s, version v7, seed 42, a start time, policy audited at revision %s", st, s.SHA256(), pol.Revision())
	}
	calls := find(evs, "host.call")
	if len(calls) != 2 {
		t.Fatalf("host.call events: %v", calls)
	}
	ping, login := calls[0], calls[1]
	if ping["level"] != "info" || ping["decision"] != "allow" || ping["policyRevision"] != pol.Revision() {
		t.Errorf("allowed call %v; want info, allow, with the policy revision", ping)
	}
	if args, _ := ping["args"].(map[string]any); args["n"] != float64(1) {
		t.Errorf("ping args %v, want n=1 (the policy logs arguments)", ping["args"])
	}
	if login["level"] != "warn" || login["decision"] != "audit-deny" {
		t.Errorf("would-be denial %v; want warn, audit-deny", login)
	}
	if args, _ := login["args"].(map[string]any); args["user"] != "ann" || args["token"] != bridge.Redacted {
		t.Errorf("login args %v, want user ann and token %s", login["args"], bridge.Redacted)
	}
	fin := find(evs, "run.finished")
	if len(fin) != 1 || fin[0]["sha256"] != s.SHA256() || fin[0]["version"] != "v7" || fin[0]["policy"] != "audited" {
		t.Errorf("run.finished %v; want the script's sha256, version and the policy", fin)
	}

	// Without audit.args in the policy, no argument values; RunOptions.LogArgs
	// turns them on for one run (a tenant).
	pol2, err := policy.Parse("plain.yaml", []byte(strings.Replace(src, "audit: {args: true}\n", "", 1)), policy.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if pol2.Revision() == pol.Revision() {
		t.Errorf("revision %s did not change with audit.args", pol.Revision())
	}
	for _, logArgs := range []bool{false, true} {
		buf.Reset()
		if _, err := h.Run(context.Background(), s, engine.RunOptions{Policy: pol2, Input: input, LogArgs: logArgs}); err != nil {
			t.Fatal(err)
		}
		for _, c := range find(events(t, &buf), "host.call") {
			if _, has := c["args"]; has != logArgs {
				t.Errorf("LogArgs %v: host.call %v", logArgs, c)
			}
		}
		if strings.Contains(buf.String(), "hunter2") {
			t.Errorf("LogArgs %v: the secret token reached the audit log", logArgs)
		}
	}
}

// A policy's revision depends on what decides, not on the YAML's layout or
// on whether it was parsed or built in Go.
func TestPolicyRevision(t *testing.T) {
	a, err := policy.Parse("a.yaml", []byte("name: p\nrules:\n  - name: r\n    allow: [svc.ping]\n"), policy.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := policy.Parse("b.yaml", []byte("# comment\nname: p\nrules: [{name: r, allow: [svc.ping]}]\n"), policy.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c, err := policy.New(policy.Policy{Name: "p", Rules: []*policy.Rule{{Name: "r", Allow: []string{"svc.ping"}}}}, policy.Options{})
	if err != nil {
		t.Fatal(err)
	}
	d, err := policy.New(policy.Policy{Name: "p", Rules: []*policy.Rule{{Name: "r", Allow: []string{"svc.*"}}}}, policy.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Revision()) != 64 || a.Revision() != b.Revision() || a.Revision() != c.Revision() || a.Revision() == d.Revision() {
		t.Errorf("revisions %s %s %s %s; want the first three equal, the last different", a.Revision(), b.Revision(), c.Revision(), d.Revision())
	}
}
