package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scriptrun/scriptrun/limits"
)

// An input file over the input budget is refused by its size, before it
// is read or parsed: a 58 MB sparse file whose zeros are not even JSON gets
// the input limit error (exit 3) naming its exact size, which only stat
// knows (the reader stops after budget+1 bytes). From a pipe, the bounded
// reader refuses it after budget+1 bytes.
func TestRunInputBudget(t *testing.T) {
	t.Parallel()
	dir := write(t, map[string]string{"one.js": "return input"})
	big := filepath.Join(dir, "big.json")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(58 << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	script := filepath.Join(dir, "one.js")
	pipe := strings.Repeat(" ", 2<<20) + "1"
	for _, tt := range []struct {
		stdin string
		args  []string
		msg   string
	}{
		{"", []string{"--input", big}, "input: " + big + " holds 60817408 bytes, over the input budget (1048576)"},
		{pipe, []string{"--input", "-"}, "input: <stdin> holds more than 1048576 bytes, over the input budget (1048576)"},
	} {
		code, stdout, stderr := cli(t, tt.stdin, append(append([]string{"run"}, tt.args...), script)...)
		r := decode(t, stdout)
		if code != 3 || r.Error.Kind != "limit" || r.Error.Limit != "input" || r.Error.Message != tt.msg {
			t.Errorf("run %q: exit %d, error %+v\nstderr: %s\nwant 3, limit input, %q", tt.args, code, r.Error, stderr, tt.msg)
		}
	}
	// With a larger budget the same pipe is read and parsed.
	code, stdout, stderr := cli(t, pipe, "run", "--input", "-", "--input-size", "4MiB", script)
	if r := decode(t, stdout); code != 0 || string(r.Value) != "1" {
		t.Errorf("run --input-size 4MiB: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
}

// Every budget field has a flag, and the flag sets the budget in force.
func TestRunBudgetFlags(t *testing.T) {
	t.Parallel()
	dir := write(t, map[string]string{
		"deep.js": "function f(n) { return f(n + 1) }\nreturn f(0)",
		"logs.js": `for (let i = 0; i < 100; i++) console.log("0123456789")` + "\nreturn 1",
		"one.js":  "return 1",
	})
	p := func(name string) string { return filepath.Join(dir, name) }
	for _, tt := range []struct {
		args  []string
		limit string
	}{
		{[]string{"--stack-depth", "50", p("deep.js")}, "stackDepth"},
		{[]string{"--logs", "100", p("logs.js")}, "logs"},
		{[]string{"--source-size", "5", p("one.js")}, "source"},
		{[]string{"--steps", "2", p("one.js")}, "steps"},
		{[]string{"--output", "1", p("one.js")}, "output"},
	} {
		code, stdout, stderr := cli(t, "", append([]string{"run"}, tt.args...)...)
		if r := decode(t, stdout); code != 3 || r.Error.Limit != tt.limit {
			t.Errorf("run %q: exit %d, error %+v; want 3 and limit %s\nstderr: %s", tt.args, code, r.Error, tt.limit, stderr)
		}
	}
	code, stdout, stderr := cli(t, "", "run", "--stack-depth", "50", p("deep.js"))
	if r := decode(t, stdout); code != 3 || !strings.Contains(r.Error.Message, "50") {
		t.Errorf("--stack-depth 50: %s %s", stdout, stderr)
	}
	code, stdout, stderr = cli(t, "", "run", "--stack-depth", "2001", p("one.js"))
	if code != 2 || stdout != "" || !strings.Contains(stderr, "invalid value \"2001\" for flag -stack-depth: want at most 2000") {
		t.Errorf("--stack-depth 2001: exit %d, stdout %q, stderr %q; want 2 and a usage error", code, stdout, stderr)
	}
}

// Every budget field of limits.Fields has its flag, which sets that field.
func TestBudgetFlagsFromTable(t *testing.T) {
	sample := map[limits.Kind]struct {
		arg  string
		want int64
	}{
		limits.Count:    {"1_000", 1000},
		limits.Size:     {"64KiB", 64 << 10},
		limits.Duration: {"1500ms", int64(1500 * time.Millisecond)},
	}
	for _, f := range limits.Fields() {
		var rf runFlags
		fs := newFlagSet("run", "", "")
		rf.register(fs)
		s := sample[f.Kind]
		if _, _, ok := fs.parse([]string{"--" + f.Flag, s.arg, "x.js"}, true, io.Discard); !ok {
			t.Errorf("--%s %s: not accepted", f.Flag, s.arg)
			continue
		}
		var want limits.Budget
		f.Set(&want, s.want)
		if rf.budget != want {
			t.Errorf("--%s %s: budget %+v, want %+v", f.Flag, s.arg, rf.budget, want)
		}
	}
}

// A policy's limits cap the flags: the stack depth, and the input, whose
// file is held to the capped budget before it is parsed.
func TestPolicyCeilings(t *testing.T) {
	t.Parallel()
	dir := write(t, map[string]string{
		"policy.yaml": "name: t\nlimits: {stackDepth: 40, input: 100}\n",
		"deep.js":     "function f(n) { return f(n + 1) }\nreturn f(0)",
		"one.js":      "return input",
		"big.json":    `"` + strings.Repeat("x", 200) + `"`,
	})
	p := func(name string) string { return filepath.Join(dir, name) }
	code, stdout, stderr := cli(t, "", "run", "--stack-depth", "500", "--policy", p("policy.yaml"), p("deep.js"))
	if r := decode(t, stdout); code != 3 || r.Error.Limit != "stackDepth" || !strings.Contains(r.Error.Message, "40") {
		t.Errorf("stack depth: exit %d, %s %s", code, stdout, stderr)
	}
	code, stdout, stderr = cli(t, "", "run", "--input-size", "1MiB", "--input", p("big.json"), "--policy", p("policy.yaml"), p("one.js"))
	if r := decode(t, stdout); code != 3 || r.Error.Limit != "input" || !strings.Contains(r.Error.Message, "(100)") {
		t.Errorf("input: exit %d, %s %s", code, stdout, stderr)
	}
}

// The package documentation names every budget flag.
func TestDocNamesBudgetFlags(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range limits.Fields() {
		if flag := "--" + f.Flag + " " + f.Kind.Placeholder(); !strings.Contains(string(doc), flag) {
			t.Errorf("doc.go does not name %s", flag)
		}
	}
}
