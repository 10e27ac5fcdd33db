package policy

import (
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
