package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestRunRefusesUnknownCapability: `run` checks a policy against the CLI's
// modules as `check` does, so a misspelt deny entry (which would never
// fire) stops the run before it starts.
func TestRunRefusesUnknownCapability(t *testing.T) {
	t.Parallel()
	dir := write(t, map[string]string{
		"p.yaml": "name: p\nrules:\n  - name: a\n    allow: [kv.*]\n  - name: d\n    deny: [kv.delte]\n",
		"s.js":   `host.kv.set("k", 1); return host.kv.delete("k")`,
	})
	code, stdout, stderr := cli(t, "", "run", "--policy", filepath.Join(dir, "p.yaml"), filepath.Join(dir, "s.js"))
	if code != exitUsage || stdout != "" || !strings.Contains(stderr, `p.yaml:6:12: rule "d": unknown capability kv.delte (did you mean kv.delete?)`) {
		t.Errorf("exit %d, stdout %q, stderr %q; want exit %d naming kv.delte at 6:12", code, stdout, stderr, exitUsage)
	}
}
