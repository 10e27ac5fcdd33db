package policy

import (
	"context"
	"testing"
	"time"
)

type benchState struct{ calls map[string]int64 }

func (s benchState) Usage() Usage   { return Usage{Steps: 10, HostCalls: 3, Calls: s.calls} }
func (s benchState) Now() time.Time { return time.Time{} }

// BenchmarkSessionDecide is the policy part of engine's BenchmarkHostCall:
// one allowed kv.get under the same three rules.
func BenchmarkSessionDecide(b *testing.B) {
	p := mustParse(b, `
name: bench
rules:
  - name: tenant-kv
    match: script.tenant == "acme"
    allow: ["kv.*"]
    when: args.key.startsWith(script.tenant + ":")
  - name: kv-quota
    deny: ["kv.*"]
    when: call.name in usage.calls && usage.calls[call.name] >= 1000000
    message: "'quota of ' + call.name + ' reached'"
  - name: suspended
    match: script.labels["plan"] == "suspended"
    deny: ["*"]
    message: "'tenant ' + script.tenant + ' is suspended'"
`)
	s := p.NewSession(Script{Name: "s.js", Lang: "js", Tenant: "acme", Labels: map[string]string{"plan": "pro"}})
	st := benchState{calls: map[string]int64{"kv.get": 5}}
	args := map[string]any{"key": "acme:orders"}
	call := Call{Name: "kv.get", Module: "kv", Function: "get"}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if d := s.Decide(ctx, call, args, st); !d.Allow || d.Rule != "tenant-kv" {
			b.Fatal(d)
		}
	}
}

// BenchmarkSessionDecidePrefill is BenchmarkSessionDecide with the policy
// loaded with 15 known capabilities and a run that has called none yet,
// so every decision refills usage.calls with zeros.
func BenchmarkSessionDecidePrefill(b *testing.B) {
	var caps []Capability
	for _, m := range []string{"kv", "crypto", "log"} {
		for _, f := range []string{"get", "set", "delete", "list", "incr"} {
			caps = append(caps, Capability{Name: m + "." + f})
		}
	}
	p, err := Parse("bench.yaml", []byte(`
name: bench
rules:
  - name: tenant-kv
    match: script.tenant == "acme"
    allow: ["kv.*"]
    when: args.key.startsWith(script.tenant + ":")
  - name: kv-quota
    deny: ["kv.*"]
    when: usage.calls[call.name] >= 1000000
    message: "'quota of ' + call.name + ' reached'"
`), Options{Capabilities: caps})
	if err != nil {
		b.Fatal(err)
	}
	s := p.NewSession(Script{Name: "s.js", Lang: "js", Tenant: "acme"})
	st := benchState{calls: map[string]int64{}}
	args := map[string]any{"key": "acme:orders"}
	call := Call{Name: "kv.get", Module: "kv", Function: "get"}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if d := s.Decide(ctx, call, args, st); !d.Allow || d.Rule != "tenant-kv" {
			b.Fatal(d)
		}
	}
}
