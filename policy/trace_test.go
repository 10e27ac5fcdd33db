package policy

import (
	"context"
	"testing"
)

func TestTrace(t *testing.T) {
	p := mustParse(t, `name: t
rules:
  - name: no-secret
    deny: [kv.get]
    when: args.key.startsWith("secret/")
    message: '"no secrets for " + script.tenant'
  - name: quota
    deny: [kv.*]
    when: usage.calls[call.name] >= 5
  - name: gold
    allow: [kv.*]
    match: script.labels["plan"] == "gold"
  - name: reads
    allow: [kv.get]
`)
	r := req("kv.get", map[string]any{"key": "secret/x"})
	d, tr := p.Trace(context.Background(), r)
	if want, _ := decide(p, r); d.Allow != want.Allow || d.Rule != want.Rule || d.Message != want.Message {
		t.Errorf("Trace decision %+v, Decide %+v", d, want)
	}
	want := []RuleTrace{
		{Rule: "no-secret", Deny: true, Outcome: Applied, Message: "no secrets for acme", Decided: true},
		{Rule: "quota", Deny: true, Outcome: NoMatch, Expr: "when"},
		{Rule: "gold", Outcome: Errored, Expr: "match", Message: "no such key: plan"},
		{Rule: "reads", Outcome: Applied},
	}
	if len(tr) != len(want) {
		t.Fatalf("trace %+v", tr)
	}
	for i := range want {
		tr[i].Pos = Pos{}
		if tr[i] != want[i] {
			t.Errorf("trace[%d] = %+v, want %+v", i, tr[i], want[i])
		}
	}
	_, tr = p.Trace(context.Background(), req("kv.list", nil))
	if tr[0].Outcome != NotForCall || tr[3].Outcome != NotForCall {
		t.Errorf("kv.list trace %+v", tr)
	}
}
