package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestRunSignals runs the CLI as a process, sends it SIGINT or SIGTERM while
// its script loops after a kv write, and checks the JSON error, the exit
// code, the store and that no temp file is left beside it.
func TestRunSignals(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		sig    syscall.Signal
		name   string
		code   int
		script string
		kv     string
		extra  []string
	}{
		{syscall.SIGINT, "SIGINT", 130, "loop.js", "store.json", nil},
		{syscall.SIGTERM, "SIGTERM", 143, "loop.lua", "store.db", nil},
		{syscall.SIGINT, "SIGINT", 130, "loop.lua", "store.json", []string{"--isolation", "process"}},
	} {
		t.Run(tt.name+"/"+tt.script+"/"+tt.kv, func(t *testing.T) {
			t.Parallel()
			dir := write(t, map[string]string{
				"policy.yaml": "name: t\nrules:\n  - name: kv\n    allow: [kv.*]\n",
				"loop.js":     `host.kv.set("k", "v"); while (true) {}`,
				"loop.lua":    `host.kv.set("k", "v") while true do end`,
			})
			kvPath := filepath.Join(dir, tt.kv)
			if strings.HasSuffix(tt.kv, ".json") {
				if err := os.WriteFile(kvPath, []byte(`{"old": 1}`), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			args := append([]string{"run", "--log-format", "json", "--steps", "1000000000000",
				"--timeout", "5m", "--cpu", "5m", "--policy", filepath.Join(dir, "policy.yaml"),
				"--kv", kvPath, filepath.Join(dir, tt.script)}, tt.extra...)
			cmd := exec.Command(os.Args[0], args...)
			cmd.Env = append(os.Environ(), cliEnv+"=1")
			var stdout bytes.Buffer
			cmd.Stdout = &stdout
			stderr, err := cmd.StderrPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// Signal once the kv write is logged: the script is in its loop.
			var log strings.Builder
			sc := bufio.NewScanner(stderr)
			sent := false
			for sc.Scan() {
				log.WriteString(sc.Text() + "\n")
				if !sent && strings.Contains(sc.Text(), `"capability":"kv.set"`) {
					if err := cmd.Process.Signal(tt.sig); err != nil {
						t.Fatal(err)
					}
					sent = true
				}
			}
			err = cmd.Wait()
			if !sent {
				t.Fatalf("no kv.set host.call logged; err %v\nstderr:\n%s", err, log.String())
			}
			if code := cmd.ProcessState.ExitCode(); code != tt.code {
				t.Errorf("exit %d (%v), want %d\nstdout: %s\nstderr:\n%s", code, err, tt.code, stdout.String(), log.String())
			}
			var out struct {
				OK    bool
				Error map[string]any
			}
			if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
				t.Fatalf("stdout is not one JSON object: %v\n%s", err, stdout.String())
			}
			// The position (where the loop was) is kept when the run has one.
			want := map[string]any{"kind": "runtime", "message": "interrupted by " + tt.name}
			got := map[string]any{"kind": out.Error["kind"], "message": out.Error["message"]}
			if out.OK || !cmp.Equal(got, want) {
				t.Errorf("stdout = %s, want the error %v", stdout.String(), want)
			}
			if pos, _ := out.Error["pos"].(string); pos != "" && pos != tt.script+":1" && !strings.HasPrefix(pos, tt.script+":1:") {
				t.Errorf("pos = %q, want %s:1 or %s:1:N", pos, tt.script, tt.script)
			}

			// The store holds the write, and nothing else is left behind.
			if strings.HasSuffix(tt.kv, ".json") {
				data, err := os.ReadFile(kvPath)
				if err != nil {
					t.Fatal(err)
				}
				var m map[string]any
				if err := json.Unmarshal(data, &m); err != nil || !cmp.Equal(m, map[string]any{"old": 1.0, "k": "v"}) {
					t.Errorf("%s = %s (%v), want old and k", tt.kv, data, err)
				}
			} else {
				code, stdout, stderr := cli(t, `return host.kv.get("k")`, "run", "--policy", filepath.Join(dir, "policy.yaml"),
					"--kv", kvPath, "--lang", "js", "-")
				if code != 0 || string(decode(t, stdout).Value) != `"v"` {
					t.Errorf("reading k back from %s: exit %d\nstdout: %s\nstderr: %s", tt.kv, code, stdout, stderr)
				}
			}
			ents, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range ents {
				if strings.Contains(e.Name(), ".tmp") {
					t.Errorf("temp file %s left in the store's directory", e.Name())
				}
			}
		})
	}
}
