package policy

import (
	"context"
	"strings"
	"testing"
	"time"
)

const containSrc = `name: p
rules:
  - name: kv
    allow: [kv.*]
containment:
  window: 5m
  history: 1h
  rules:
    - name: denial-spike
      when: stats.hostCalls >= 4 && stats.denialRate > 0.5
      action: revoke
      revoke: [kv.*]
      for: 15m
    - name: crash-loop
      when: stats.failureStreak >= 3
      action: quarantine
      for: 1h
    - name: cpu-hog
      when: |
        stats.history.runs >= 10 &&
        stats.cpu.mean > 4.0 * stats.history.cpu.mean
      action: tighten
      limits: {cpu: 100ms, hostCalls: 5}
      for: 30m
    - name: new-host
      when: size(stats.newHosts) > 0
      action: warn
`

func TestContainmentParse(t *testing.T) {
	p, err := Parse("p.yaml", []byte(containSrc), Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := p.Containment
	if c == nil || c.Mode != Enforce || c.Window != 5*time.Minute || c.History != time.Hour || len(c.Rules) != 4 {
		t.Fatalf("containment %+v", c)
	}
	r := c.Rules
	if r[0].Action != Revoke || r[0].For != 15*time.Minute || len(r[0].Revoke) != 1 || r[0].Revoke[0] != "kv.*" ||
		r[2].Limits != (Limits{CPU: 100 * time.Millisecond, HostCalls: 5}) || r[3].For != 5*time.Minute {
		t.Errorf("rules %+v %+v %+v %+v; want the file's, warn lasting the window", r[0], r[1], r[2], r[3])
	}
	cases := []struct {
		name  string
		stats Stats
		want  []string
	}{
		{"quiet", Stats{}, nil},
		{"denying", Stats{HostCalls: 4, Denials: 3, DenialRate: 0.75}, []string{"denial-spike"}},
		{"crashing", Stats{FailureStreak: 3}, []string{"crash-loop"}},
		{"hog", Stats{CPU: Measure{Mean: 500}, History: History{Runs: 10, CPU: Measure{Mean: 100}}}, []string{"cpu-hog"}},
		{"new host", Stats{NewHosts: []string{"evil.example"}}, []string{"new-host"}},
	}
	for _, tc := range cases {
		fired, errs := c.Eval(context.Background(), &tc.stats)
		var got []string
		for _, r := range fired {
			got = append(got, r.Name)
		}
		if len(errs) != 0 || strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("%s: fired %v, errors %v; want %v", tc.name, got, errs, tc.want)
		}
	}
	// A rule reading a missing key does not fire; the error names it.
	q, err := Parse("q.yaml", []byte("name: q\ncontainment:\n  rules:\n    - name: http\n      when: stats.calls[\"http.get\"] > 10\n      action: warn\n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	fired, errs := q.Containment.Eval(context.Background(), &Stats{Calls: map[string]int64{}})
	if len(fired) != 0 || len(errs) != 1 || !strings.Contains(errs[0].Error(), `rule "http": when`) {
		t.Errorf("fired %v, errors %v; want none and one error naming the rule", fired, errs)
	}
	// The section is part of the revision.
	p2, err := Parse("p.yaml", []byte(strings.Replace(containSrc, "for: 1h", "for: 2h", 1)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Revision() == p2.Revision() {
		t.Error("changing a containment rule's duration did not change the revision")
	}
}

// Problems in a containment section are reported at file:line:col like a
// rule's.
func TestContainmentErrors(t *testing.T) {
	cases := []struct {
		src  string
		want []string
	}{
		{"containment:\n  rules:\n    - name: a\n      when: stats.denialRte > 0.5\n      action: warn\n",
			[]string{`p.yaml:5:18: containment rule "a": when: undefined field 'denialRte'`}},
		{"containment:\n  rules:\n    - name: a\n      when: stats.runs > 1\n      action: quarantine\n",
			[]string{`p.yaml:4:7: containment rule "a": quarantine needs a positive duration in for`}},
		{"containment:\n  rules:\n    - name: a\n      when: stats.runs > 1\n      action: ban\n      for: 1m\n",
			[]string{`p.yaml:4:7: containment rule "a": action "ban": want warn, tighten, revoke or quarantine`}},
		{"containment:\n  rules:\n    - name: a\n      when: stats.runs > 1\n      action: revoke\n      for: 1m\n",
			[]string{`p.yaml:4:7: containment rule "a": revoke needs a non-empty revoke list`}},
		{"containment:\n  rules:\n    - name: a\n      when: stats.runs\n      action: warn\n",
			[]string{`p.yaml:5:13: containment rule "a": when: expression has type int, want bool`}},
		{"containment:\n  mode: loud\n  window: 2h\n  history: 1h\n  colour: red\n",
			[]string{`p.yaml:3:9: containment.mode "loud": want enforce or audit`, `p.yaml:3:3: containment: history (1h0m0s) is shorter than window (2h0m0s)`, `p.yaml:6:3: containment: unknown key "colour"`}},
		{"containment:\n  rules:\n    - name: a\n      when: stats.runs > 1\n      action: revoke\n      revoke: [kv.*, Bad]\n      for: 1m\n",
			[]string{`p.yaml:7:22: containment rule "a": revoke: bad capability pattern "Bad"`}},
	}
	for _, tc := range cases {
		_, err := Parse("p.yaml", []byte("name: p\n"+tc.src), Options{})
		if err == nil {
			t.Errorf("%q: no error", tc.src)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%q:\n%v\nwant %q", tc.src, err, w)
			}
		}
	}
	// Revoke patterns are checked against the host's capabilities.
	_, err := Parse("p.yaml", []byte("name: p\ncontainment:\n  rules:\n    - name: a\n      when: stats.runs > 1\n      action: revoke\n      revoke: [kv.delte]\n      for: 1m\n"),
		Options{Capabilities: []Capability{{Name: "kv.get"}, {Name: "kv.delete"}}})
	if err == nil || !strings.Contains(err.Error(), "p.yaml:7:16") || !strings.Contains(err.Error(), "kv.delete") {
		t.Errorf("misspelt revoke capability: %v", err)
	}
}

// A policy tried in audit mode does not act through its containment rules
// unless they say enforce.
func TestContainmentModeDefault(t *testing.T) {
	for _, tc := range []struct{ pol, section, want Mode }{
		{"", "", Enforce}, {Audit, "", Audit}, {Audit, Enforce, Enforce}, {Enforce, Audit, Audit},
	} {
		src := "name: p\n"
		if tc.pol != "" {
			src += "mode: " + string(tc.pol) + "\n"
		}
		src += "containment:\n"
		if tc.section != "" {
			src += "  mode: " + string(tc.section) + "\n"
		}
		src += "  rules: [{name: w, when: stats.runs > 1, action: warn}]\n"
		p, err := Parse("p.yaml", []byte(src), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if p.Containment.Mode != tc.want {
			t.Errorf("policy mode %q, section mode %q: %q, want %q", tc.pol, tc.section, p.Containment.Mode, tc.want)
		}
	}
}
