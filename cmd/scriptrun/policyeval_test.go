package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

const evalPolicy = `name: t
rules:
  - name: no-secret
    deny: [kv.get]
    when: args.key.startsWith("secret/")
    message: '"no secrets for " + script.tenant'
  - name: quota
    deny: [kv.*]
    when: usage.calls[call.name] >= 5
  - name: pro
    allow: [kv.*]
    match: '"plan" in script.labels && script.labels.plan == "pro"'
  - name: reads
    allow: [kv.get]
`

func TestPolicyEval(t *testing.T) {
	t.Parallel()
	dir := write(t, map[string]string{
		"p.yaml":    evalPolicy,
		"typo.yaml": "name: t\nrules:\n  - name: r\n    deny: [kv.delte]\n",
		"req.json": `{"script": {"name": "s.js", "tenant": "acme", "labels": {"plan": "pro"}}, "call": "kv.set",
			"args": {"key": "a", "value": 1}, "usage": {"calls": {"kv.set": 5}}, "now": "2025-01-02T03:04:05Z"}`,
		"bad.json": `{"call": "kv.get", "argz": {}}`,
	})
	pol := filepath.Join(dir, "p.yaml")
	tests := []struct {
		args []string
		code int
		want []string // lines of stdout, or for code 2 a piece of stderr
	}{
		{[]string{"--call", "kv.get", "--args", `{"key": "secret/x"}`, "--tenant", "acme"}, 4, []string{
			`denied kv.get by rule "no-secret": no secrets for acme`,
			`* deny rule "no-secret" (` + pol + `:3:5): applied, message "no secrets for acme"`,
			`  deny rule "quota" (` + pol + `:7:5): did not match (when is false)`,
			`  allow rule "pro" (` + pol + `:10:5): did not match (match is false)`,
			`  allow rule "reads" (` + pol + `:13:5): applied`,
		}},
		{[]string{"--call", "kv.set", "--label", "plan=pro", "--usage", `{"calls": {"kv.set": 2}}`}, 0, []string{
			`allowed kv.set by rule "pro"`,
			`  deny rule "no-secret" (` + pol + `:3:5): not for kv.set`,
			`  deny rule "quota" (` + pol + `:7:5): did not match (when is false)`,
			`* allow rule "pro" (` + pol + `:10:5): applied`,
			`  allow rule "reads" (` + pol + `:13:5): not for kv.set`,
		}},
		// The request from a file; usage from it denies by quota.
		{[]string{"--json", filepath.Join(dir, "req.json")}, 4, []string{
			`denied kv.set by rule "quota"`,
			`  deny rule "no-secret" (` + pol + `:3:5): not for kv.set`,
			`* deny rule "quota" (` + pol + `:7:5): applied`,
			`  allow rule "pro" (` + pol + `:10:5): applied`,
			`  allow rule "reads" (` + pol + `:13:5): not for kv.set`,
		}},
		// A missing key errors, which denies.
		{[]string{"--call", "kv.get"}, 4, []string{
			`denied kv.get: rule "no-secret": when: no such key: key`,
			`* deny rule "no-secret" (` + pol + `:3:5): errored in when: no such key: key`,
			`  deny rule "quota" (` + pol + `:7:5): did not match (when is false)`,
			`  allow rule "pro" (` + pol + `:10:5): did not match (match is false)`,
			`  allow rule "reads" (` + pol + `:13:5): applied`,
		}},
		{nil, 2, []string{"want --call"}},
		{[]string{"--call", "kv"}, 2, []string{"want module.function"}},
		{[]string{"--call", "kv.get", "--args", "[1]"}, 2, []string{"--args: want a JSON object"}},
		{[]string{"--call", "kv.get", "--now", "yesterday"}, 2, []string{"want RFC 3339"}},
		{[]string{"--json", filepath.Join(dir, "bad.json")}, 2, []string{`unknown field "argz"`}},
	}
	for _, tt := range tests {
		code, stdout, stderr := cli(t, "", append([]string{"policy", "eval", "--policy", pol}, tt.args...)...)
		if code != tt.code {
			t.Errorf("%q: exit %d, want %d; stderr %q", tt.args, code, tt.code, stderr)
			continue
		}
		if code == 2 {
			if !strings.Contains(stderr, tt.want[0]) {
				t.Errorf("%q: stderr %q, want %q", tt.args, stderr, tt.want[0])
			}
			continue
		}
		if got := strings.TrimSuffix(stdout, "\n"); got != strings.Join(tt.want, "\n") {
			t.Errorf("%q: stdout\n%s\nwant\n%s", tt.args, got, strings.Join(tt.want, "\n"))
		}
	}

	// An invalid policy is a usage error with its positions.
	code, stdout, stderr := cli(t, "", "policy", "eval", "--policy", filepath.Join(dir, "typo.yaml"), "--call", "kv.get")
	if code != 2 || stdout != "" || !strings.Contains(stderr, "typo.yaml:4:12: rule \"r\": unknown capability kv.delte (did you mean kv.delete?)") {
		t.Errorf("typo policy: exit %d, stderr %q", code, stderr)
	}

	// Warnings of the policy go to stderr; the decision is unchanged.
	warn := write(t, map[string]string{"w.yaml": "name: t\nrules:\n  - name: r\n    allow: [kv.get]\n    match: script.labels.plan == 'pro'\n"})
	code, stdout, stderr = cli(t, "", "policy", "eval", "--policy", filepath.Join(warn, "w.yaml"), "--call", "kv.get", "--label", "plan=pro")
	if code != 0 || !strings.HasPrefix(stdout, `allowed kv.get by rule "r"`) || !strings.Contains(stderr, "w.yaml:5:25: warning: rule \"r\": match: script.labels.plan") {
		t.Errorf("warnings: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}

	// --format json.
	code, stdout, _ = cli(t, "", "policy", "eval", "--policy", pol, "--call", "kv.get", "--args", `{"key": "k"}`, "--format", "json")
	var out struct {
		Allow bool
		Rule  string
		Trace []struct{ Rule, Outcome, Expr, Pos string }
	}
	if err := json.Unmarshal([]byte(stdout), &out); err != nil || code != 0 || !out.Allow || out.Rule != "reads" ||
		len(out.Trace) != 4 || out.Trace[1].Outcome != "no-match" || out.Trace[1].Expr != "when" || out.Trace[1].Pos != pol+":7:5" {
		t.Errorf("json: exit %d, %s (%v)", code, stdout, err)
	}
}
