package policy

import (
	"context"
	"slices"
	"strings"
	"testing"
)

var testCaps = []Capability{
	{Name: "kv.get"}, {Name: "kv.put"}, {Name: "kv.delete"},
	{Name: "kv.list", Optional: []string{"prefix"}}, {Name: "log.info"},
}

func TestUnknownCapabilities(t *testing.T) {
	src := `name: t
rules:
  - name: a
    allow: [kv.get, kv.*, "*"]
  - name: b
    deny: [kv.delte, kvv.*, zzz.qqq]
`
	_, err := Parse("p.yaml", []byte(src), Options{Capabilities: testCaps})
	if err == nil {
		t.Fatal("Parse accepted unknown capabilities")
	}
	want := []string{
		`p.yaml:6:12: rule "b": unknown capability kv.delte (did you mean kv.delete?)`,
		`p.yaml:6:22: rule "b": pattern kvv.* matches no capability: no module kvv (did you mean kv.*?)`,
		`p.yaml:6:29: rule "b": unknown capability zzz.qqq`,
	}
	if got := err.Error(); got != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", got, strings.Join(want, "\n"))
	}
	// Without Capabilities nothing is checked.
	if _, err := Parse("p.yaml", []byte(src), Options{}); err != nil {
		t.Errorf("Parse without Capabilities: %v", err)
	}
	// An empty (non-nil) list: even * matches nothing.
	_, err = Parse("p.yaml", []byte("name: t\nrules:\n  - name: a\n    allow: ['*']\n"), Options{Capabilities: []Capability{}})
	if err == nil || !strings.Contains(err.Error(), "p.yaml:4:13: rule \"a\": pattern * matches no capability") {
		t.Errorf("* with no capabilities: %v", err)
	}
	// New checks too; positions are the rule's.
	_, err = New(Policy{Name: "t", Rules: []*Rule{{Name: "r", Deny: []string{"kv.gett"}}}}, Options{Capabilities: testCaps})
	if err == nil || err.Error() != `rule "r": unknown capability kv.gett (did you mean kv.get?)` {
		t.Errorf("New: %v", err)
	}
}

func TestUsageCallsPrefilled(t *testing.T) {
	src := `name: t
rules:
  - name: quota
    deny: [kv.*]
    when: usage.calls[call.name] >= 2 || usage.calls["log.info"] > 0
  - name: all
    allow: ["*"]
`
	p, err := Parse("p.yaml", []byte(src), Options{Capabilities: testCaps})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		calls map[string]int64
		allow bool
	}{
		{nil, true},
		{map[string]int64{}, true},
		{map[string]int64{"kv.get": 1}, true},
		{map[string]int64{"kv.get": 2}, false},
		{map[string]int64{"log.info": 1}, false},
	} {
		r := req("kv.get", nil)
		r.Usage.Calls = tt.calls
		d, err := decide(p, r)
		if err != nil || d.Allow != tt.allow {
			t.Errorf("calls %v: %+v, %v; want allow %v", tt.calls, d, err, tt.allow)
		}
	}
	// Without Capabilities only the call's own name is prefilled: another
	// capability's count is still a missing key.
	p = mustParse(t, src)
	r := req("kv.get", nil)
	if d, err := decide(p, r); err == nil || d.Allow {
		t.Errorf("unknown log.info without Capabilities: %+v, %v; want an evaluation error", d, err)
	}
	r.Usage.Calls = map[string]int64{"log.info": 0}
	if d, err := decide(p, r); err != nil || !d.Allow {
		t.Errorf("call's own name not prefilled: %+v, %v", d, err)
	}
}

func TestUsageCallsSession(t *testing.T) {
	p, err := Parse("p.yaml", []byte("name: t\nrules:\n  - name: q\n    deny: [kv.get]\n    when: usage.calls[call.name] >= 2\n  - name: all\n    allow: ['*']\n"), Options{Capabilities: testCaps})
	if err != nil {
		t.Fatal(err)
	}
	s := p.NewSession(Script{Name: "s.js"})
	calls := map[string]int64{}
	var allowed []bool
	for i := 0; i < 4; i++ {
		r := req("kv.get", nil)
		r.Usage.Calls = calls
		d := s.Decide(context.Background(), r.Call, nil, requestState{r})
		allowed = append(allowed, d.Allow)
		calls["kv.get"]++
	}
	if want := []bool{true, true, false, false}; !slices.Equal(allowed, want) {
		t.Errorf("allowed %v, want %v", allowed, want)
	}
}

func TestWarnings(t *testing.T) {
	src := `name: t
rules:
  - name: plan
    allow: [kv.*]
    match: script.labels["plan"] == "pro"
    when: args.prefix.startsWith("a") || args["prefix"] == "" || args.key == "x"
  - name: guarded
    allow: [kv.list]
    match: '"plan" in script.labels && script.labels.plan == "pro"'
    when: has(args.prefix) && args.prefix == "a"
`
	p, err := Parse("p.yaml", []byte(src), Options{Capabilities: testCaps})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range p.Warnings() {
		first, _, _ := strings.Cut(w.String(), "\n")
		got = append(got, first)
	}
	want := []string{
		`p.yaml:5:25: rule "plan": match: script.labels["plan"]: a run without the label "plan" fails the rule (denies); guard it: "plan" in script.labels && ...`,
		`p.yaml:6:15: rule "plan": when: args.prefix: prefix is optional for kv.list, so a call may lack it and the rule then fails (denies); guard it: has(args.prefix) && ...`,
		`p.yaml:6:46: rule "plan": when: args["prefix"]: prefix is optional for kv.list, so a call may lack it and the rule then fails (denies); guard it: has(args.prefix) && ...`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Without Capabilities, optional args are not known: labels only.
	if w := mustParse(t, src).Warnings(); len(w) != 1 {
		t.Errorf("without Capabilities: %v", w)
	}
}

func TestCapabilityLiterals(t *testing.T) {
	src := `name: t
rules:
  - name: a
    deny: ["*"]
    when: call.name == "kv.delte" || "kv.gett" != call.name || call.module in ["kv", "kvv"]
  - name: b
    deny: [kv.*]
    when: usage.calls["kv.lst"] > 1 || "log.inf" in usage.calls || call.name in ["kv.get", "zz.top"]
  - name: fine
    allow: ["*"]
    when: call.name == "kv.get" || call.module != "log" || usage.calls["kv.put"] > 0 || args.key == "kv.nope"
`
	_, err := Parse("p.yaml", []byte(src), Options{Capabilities: testCaps})
	if err == nil {
		t.Fatal("Parse accepted unknown capability literals")
	}
	var got []string
	for _, is := range err.(*Error).Issues {
		first, _, _ := strings.Cut(is.String(), "\n")
		got = append(got, first)
	}
	want := []string{
		`p.yaml:5:24: rule "a": when: unknown capability "kv.delte" (did you mean kv.delete?)`,
		`p.yaml:5:38: rule "a": when: unknown capability "kv.gett" (did you mean kv.get?)`,
		`p.yaml:5:86: rule "a": when: unknown module "kvv" (did you mean kv?)`,
		`p.yaml:8:23: rule "b": when: unknown capability "kv.lst" (did you mean kv.list?)`,
		`p.yaml:8:40: rule "b": when: unknown capability "log.inf" (did you mean log.info?)`,
		`p.yaml:8:92: rule "b": when: unknown capability "zz.top"`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("issues:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if _, err := Parse("p.yaml", []byte(src), Options{}); err != nil {
		t.Errorf("without Capabilities: %v", err)
	}
}
