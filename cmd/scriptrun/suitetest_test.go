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

	"github.com/scriptrun/scriptrun/suite"
)

func TestSuiteCommands(t *testing.T) {
	examples := filepath.Join("..", "..", "scripts", "examples")
	failing := filepath.Join("..", "..", "suite", "testdata")
	dir := write(t, map[string]string{
		"p.yaml":            "name: p\nrules:\n  - name: r\n    allow: [kv.get]\n",
		"bad_test.yaml":     "policy: p.yaml\ncases:\n  - name: a\n    call: kv.get\n    expect: {decison: allow}\n",
		"ok_test.yaml":      "policy: p.yaml\ncases:\n  - name: a\n    call: kv.get\n    args: {key: k}\n    expect: {decision: allow, rule: r}\n",
		"s.js":              "return 1;\n",
		"script_test.yaml":  "script: s.js\ncases:\n  - name: one\n    expect: {value: 1}\n",
		"notasuite.yaml":    "x: 1\n",
		"other_kind.yaml":   "script: s.js\ncases:\n  - name: one\n",
		"missing_test.yaml": "script: missing.js\ncases:\n  - name: one\n",
	})
	if err := os.Mkdir(filepath.Join(dir, "empty"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name       string
		args       []string
		code       int
		stdout     string // substring ("" checks nothing)
		lastLine   string // the last line of stdout, when set
		stderrHas  string
		stdoutNone bool
	}{
		{name: "examples, policy", args: []string{"policy", "test", examples}, code: 0, lastLine: "17 passed, 0 failed"},
		{name: "examples, scripts", args: []string{"test", examples}, code: 0, lastLine: "34 passed, 0 failed"},
		{name: "failing policy cases", args: []string{"policy", "test", failing}, code: 1, lastLine: "2 passed, 5 failed",
			stdout: `failing.policy_test.yaml:11:5: FAIL "wrong decision": decision: want allow, got deny (no rule allows kv.get: rule "tenant-kv": when is false)`},
		{name: "failing script cases", args: []string{"test", failing}, code: 1, lastLine: "2 passed, 10 failed"},
		{name: "--run", args: []string{"policy", "test", "--run", "^wrong", failing}, code: 1, lastLine: "0 passed, 3 failed"},
		{name: "--run after the paths", args: []string{"test", failing, "--run", "^passes$"}, code: 0, lastLine: "1 passed, 0 failed"},
		{name: "--run matches nothing", args: []string{"test", "--run", "^nothing$", failing}, code: 2, stderrHas: "matches no case", stdoutNone: true},
		{name: "bad --run", args: []string{"test", "--run", "a(", failing}, code: 2, stderrHas: "--run: error parsing regexp", stdoutNone: true},
		{name: "huge --run", args: []string{"test", "--run", strings.Repeat("a", 2000), failing}, code: 2, stderrHas: "at most 1000", stdoutNone: true},
		{name: "bad suite", args: []string{"policy", "test", dir}, code: 2, stderrHas: "bad_test.yaml:5:14: case \"a\": expect: unknown key \"decison\"", stdoutNone: true},
		{name: "missing script", args: []string{"test", filepath.Join(dir, "missing_test.yaml")}, code: 2, stderrHas: "missing_test.yaml:1:9: script: ", stdoutNone: true},
		{name: "explicit file of the other kind", args: []string{"policy", "test", filepath.Join(dir, "other_kind.yaml")}, code: 2, stderrHas: "is a script suite: run it with scriptrun test"},
		{name: "not a suite", args: []string{"test", filepath.Join(dir, "notasuite.yaml")}, code: 2, stderrHas: "notasuite.yaml:1:1: a suite needs policy:"},
		{name: "no suites", args: []string{"test", filepath.Join(dir, "empty")}, code: 2, stderrHas: "no script suites"},
		{name: "missing path", args: []string{"test", filepath.Join(dir, "nope")}, code: 2, stderrHas: "no such file"},
		{name: "no args", args: []string{"policy", "test"}, code: 2, stderrHas: "want at least one suite"},
		{name: "one explicit good suite", args: []string{"policy", "test", filepath.Join(dir, "ok_test.yaml")}, code: 0, lastLine: "1 passed, 0 failed"},
		{name: "coverage", args: []string{"policy", "test", "--coverage", filepath.Join(dir, "ok_test.yaml")}, code: 0, stdout: "coverage: 1 of 1 rules applied\n"},
		{name: "help", args: []string{"test", "-h"}, code: 0, stdout: "usage: scriptrun test"},
		{name: "policy help", args: []string{"policy", "test", "--help"}, code: 0, stdout: "usage: scriptrun policy test"},
		{name: "help command", args: []string{"help", "test"}, code: 0, stdout: "-coverage"},
		{name: "listed in help", args: []string{"help"}, code: 0, stdout: "policy test FILE|DIR..."},
		{name: "junit", args: []string{"test", "--format", "junit", failing}, code: 1, stdout: `<testsuites tests="12" failures="10">`},
		{name: "bad format", args: []string{"test", "--format", "xml", failing}, code: 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := cli(t, "", tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout, stderr)
			}
			if !strings.Contains(stdout, tt.stdout) {
				t.Errorf("stdout:\n%s\nwant it to contain %q", stdout, tt.stdout)
			}
			if tt.lastLine != "" {
				lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
				if got := lines[len(lines)-1]; got != tt.lastLine {
					t.Errorf("last line %q, want %q\nstdout:\n%s\nstderr:\n%s", got, tt.lastLine, stdout, stderr)
				}
			}
			if !strings.Contains(stderr, tt.stderrHas) {
				t.Errorf("stderr:\n%s\nwant it to contain %q", stderr, tt.stderrHas)
			}
			if tt.stdoutNone && stdout != "" {
				t.Errorf("stdout: got %q, want nothing", stdout)
			}
		})
	}
}

func TestSuiteJSON(t *testing.T) {
	code, stdout, stderr := cli(t, "", "test", "--format", "json", "--run", "^(passes|wrong value)$", filepath.Join("..", "..", "suite", "testdata"))
	if code != 1 {
		t.Fatalf("exit %d, want 1; stderr:\n%s", code, stderr)
	}
	var out struct {
		Suites []struct {
			Cases []struct {
				Name     string   `json:"name"`
				Passed   bool     `json:"passed"`
				Failures []string `json:"failures"`
			} `json:"cases"`
		} `json:"suites"`
		Passed int `json:"passed"`
		Failed int `json:"failed"`
	}
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, stdout)
	}
	if out.Passed != 1 || out.Failed != 1 || len(out.Suites) != 1 || len(out.Suites[0].Cases) != 2 ||
		!out.Suites[0].Cases[0].Passed || !strings.HasPrefix(out.Suites[0].Cases[1].Failures[0], "value: want ") {
		t.Errorf("JSON report: %+v", out)
	}
}

// TestSuiteSignal runs "scriptrun test" as a process and sends it SIGINT
// while its second case loops: the cases that ran are reported, the
// interrupted one as failed, and the exit code is 130.
func TestSuiteSignal(t *testing.T) {
	t.Parallel()
	dir := write(t, map[string]string{
		"loop.js": "if (input) { while (true) {} }\nreturn 1;\n",
		"loop_test.yaml": "script: loop.js\nbudget: {steps: 1000000000000, timeout: 5m, cpu: 5m}\ncases:\n" +
			"  - {name: quick, input: false, expect: {value: 1}}\n  - {name: loops, input: true, expect: {value: 1}}\n",
	})
	cmd := exec.Command(os.Args[0], "test", "-v", dir)
	cmd.Env = append(os.Environ(), cliEnv+"=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Signal once the first case is reported: the second one is looping.
	var out strings.Builder
	sc := bufio.NewScanner(stdout)
	sent := false
	for sc.Scan() {
		out.WriteString(sc.Text() + "\n")
		if !sent && strings.Contains(sc.Text(), `ok "quick"`) {
			if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
				t.Fatal(err)
			}
			sent = true
		}
	}
	err = cmd.Wait()
	if !sent {
		t.Fatalf("the first case was not reported; err %v\nstdout:\n%s\nstderr:\n%s", err, out.String(), stderr.String())
	}
	if code := cmd.ProcessState.ExitCode(); code != 130 {
		t.Errorf("exit %d, want 130\nstdout:\n%s\nstderr:\n%s", code, out.String(), stderr.String())
	}
	// The signal stops the looping case, or (arriving between the cases)
	// keeps it from starting; either way what ran is reported.
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	stopped := len(lines) == 3 && strings.Contains(lines[1], `FAIL "loops": want value 1, got error runtime`) && lines[2] == "1 passed, 1 failed"
	notStarted := len(lines) == 2 && lines[1] == "1 passed, 0 failed"
	if !stopped && !notStarted {
		t.Errorf("stdout:\n%s\nwant the ok line, then the interrupted case failing and 1 passed, 1 failed, or 1 passed, 0 failed", out.String())
	}
	if !strings.Contains(stderr.String(), "interrupted by SIGINT") {
		t.Errorf("stderr: %q, want it to say interrupted by SIGINT", stderr.String())
	}
}

// TestSuiteWarnings: the warnings of a policy a suite names are printed
// (once per policy), as check prints them, and change no exit code.
func TestSuiteWarnings(t *testing.T) {
	dir := write(t, map[string]string{
		"p.yaml":      "name: p\nrules:\n  - name: r\n    allow: [kv.get]\n    when: script.labels.plan == \"pro\"\n",
		"a_test.yaml": "policy: p.yaml\ncases:\n  - {name: a, call: kv.get, args: {key: k}, expect: {decision: deny}}\n",
		"b_test.yaml": "policy: p.yaml\ncases:\n  - {name: b, call: kv.get, args: {key: k}, script: {labels: {plan: pro}}, expect: {decision: allow}}\n",
	})
	code, stdout, stderr := cli(t, "", "policy", "test", dir)
	if code != 0 || !strings.HasSuffix(stdout, "2 passed, 0 failed\n") {
		t.Errorf("exit %d, stdout %q, want 0 and 2 passed", code, stdout)
	}
	if n := strings.Count(stderr, "p.yaml:5:24: warning: rule \"r\": when: script.labels.plan"); n != 1 {
		t.Errorf("stderr has the warning %d times, want once:\n%s", n, stderr)
	}
}

// TestSuiteCapabilities: suites run with suite.DefaultModules and check
// policies against the same capabilities as check, run, policy eval and
// serve, which use the CLI's modules.
func TestSuiteCapabilities(t *testing.T) {
	mods, err := cliModules()
	if err != nil {
		t.Fatal(err)
	}
	want, err := suite.Capabilities(mods)
	if err != nil {
		t.Fatal(err)
	}
	defMods, err := suite.DefaultModules(nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := suite.Capabilities(defMods); !cmp.Equal(want, got) {
		t.Errorf("suite.DefaultModules provide other capabilities than the CLI's modules")
	}
}
