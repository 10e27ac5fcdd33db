package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// cliEnv makes the test binary the CLI itself (for tests that need real
// scriptrun processes): it runs the arguments and exits.
const cliEnv = "SCRIPTRUN_TEST_AS_CLI"

func init() {
	if os.Getenv(cliEnv) == "1" {
		os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
}

const kvPolicy = `name: t
rules:
  - name: kv
    allow: [kv.*]
`

// Two scriptrun processes sharing one --kv JSON file, each incrementing a
// counter 200 times with kv.incr and another with get + cas, lose nothing.
func TestRunKVProcesses(t *testing.T) {
	t.Parallel()
	dir := write(t, map[string]string{
		"policy.yaml": kvPolicy,
		"kv.json":     `{}`,
		"count.js": `
			for (let i = 0; i < 200; i++) {
				host.kv.incr("n");
				for (;;) {
					const c = host.kv.get("c");
					if (host.kv.cas("c", c, (c ?? 0) + 1)) break;
				}
			}
			return 1`,
	})
	args := []string{"run", "--policy", filepath.Join(dir, "policy.yaml"), "--kv", filepath.Join(dir, "kv.json"),
		"--host-calls", "1000000", "--timeout", "2m", "--cpu", "1m", filepath.Join(dir, "count.js")}
	var cmds []*exec.Cmd
	var outs []*strings.Builder
	for i := 0; i < 2; i++ {
		cmd := exec.Command(os.Args[0], args...)
		cmd.Env = append(os.Environ(), cliEnv+"=1")
		out := &strings.Builder{}
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds, outs = append(cmds, cmd), append(outs, out)
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("process %d: %v\n%s", i, err, outs[i])
		}
	}
	dir2 := write(t, map[string]string{"get.js": `return [host.kv.get("n"), host.kv.get("c")]`})
	code, stdout, stderr := cli(t, "", "run", "--policy", filepath.Join(dir, "policy.yaml"),
		"--kv", filepath.Join(dir, "kv.json"), filepath.Join(dir2, "get.js"))
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	if got := string(decode(t, stdout).Value); got != "[400,400]" {
		t.Errorf("counters = %s, want [400,400]", got)
	}
}

// --kv with a name not ending in .json is a bbolt database that keeps its
// data between runs.
func TestRunKVBolt(t *testing.T) {
	t.Parallel()
	dir := write(t, map[string]string{
		"policy.yaml": kvPolicy,
		"count.lua":   `return host.kv.incr("runs", 1)`,
	})
	db := filepath.Join(dir, "state.db")
	for want := 1; want <= 2; want++ {
		code, stdout, stderr := cli(t, "", "run", "--policy", filepath.Join(dir, "policy.yaml"),
			"--kv", db, filepath.Join(dir, "count.lua"))
		if code != 0 {
			t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
		}
		if got := string(decode(t, stdout).Value); got != string(rune('0'+want)) {
			t.Errorf("run %d: value = %s, want %d", want, got, want)
		}
	}
}

// A --kv store that cannot keep changes is a usage error that says why, and
// the file is left as it was.
func TestRunKVOpenErrors(t *testing.T) {
	t.Parallel()
	dir := write(t, map[string]string{
		"ro.json": `{"a": 1}`,
		"s.js":    `return 1`,
		"bad.db":  strings.Repeat("not a database ", 1000),
	})
	os.Chmod(filepath.Join(dir, "ro.json"), 0o444)
	for _, tc := range []struct {
		kv, want string
	}{
		{filepath.Join(dir, "ro.json"), "ro.json is read-only"},
		{filepath.Join(dir, "missing", "kv.json"), "does not exist"},
		{filepath.Join(dir, "missing", "kv.db"), "does not exist"},
		{filepath.Join(dir, "bad.db"), "is not a bbolt database"},
	} {
		code, _, stderr := cli(t, "", "run", "--kv", tc.kv, filepath.Join(dir, "s.js"))
		if code != exitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("--kv %s: exit %d, stderr %q; want %d and %q", tc.kv, code, stderr, exitUsage, tc.want)
		}
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "ro.json")); string(data) != `{"a": 1}` {
		t.Errorf("read-only file changed: %s", data)
	}
}
