package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/engine/js"
	"github.com/scriptrun/scriptrun/engine/lua"
	"github.com/scriptrun/scriptrun/engine/worker"
)

// TestProcessMode runs the CLI's contract tests again with every script in
// a worker process: the same output, exit codes and logs.
func TestProcessMode(t *testing.T) {
	processMode = true
	defer func() { processMode = false }()
	// The group returns only when its parallel subtests have finished, so
	// they all run while processMode is set (without it, a test that calls
	// t.Parallel would resume after the deferred reset, in-process).
	t.Run("isolation=process", func(t *testing.T) {
		for _, tt := range []struct {
			name string
			f    func(*testing.T)
		}{
			{"RunTransform", TestRunTransform}, {"RunLua", TestRunLua}, {"RunInputStdin", TestRunInputStdin},
			{"RunKVFile", TestRunKVFile}, {"RunErrorKinds", TestRunErrorKinds}, {"RunCompileError", TestRunCompileError},
			{"RunUsageErrors", TestRunUsageErrors}, {"RunDeterministic", TestRunDeterministic}, {"RunLogs", TestRunLogs},
			{"Examples", TestExamples}, {"ExamplesHarness", TestExamplesHarness}, {"ErrorJSON", TestErrorJSON},
			{"RunHTTPLog", TestRunHTTPLog},
			{"HostFailureCause", TestHostFailureCause},
		} {
			t.Run(tt.name, tt.f)
		}
	})
}

// TestMain makes the test binary its own worker for --isolation process.
func TestMain(m *testing.M) {
	worker.Main(js.New(), lua.New())
	os.Exit(m.Run())
}

// processMode makes cli add --isolation process to every run (see
// TestProcessMode).
var processMode bool

// cli runs the CLI in-process and returns its exit code, stdout and stderr.
func cli(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	if processMode && len(args) > 0 && args[0] == "run" && !slices.Contains(args, "--isolation") {
		args = append([]string{"run", "--isolation", "process"}, args[1:]...)
	}
	var out, errb bytes.Buffer
	code = run(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

// write writes files (name -> content) into a new temp dir and returns it.
func write(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// result is run's stdout, decoded.
type result struct {
	OK    bool            `json:"ok"`
	Value json.RawMessage `json:"value"`
	Error *struct {
		Kind       string   `json:"kind"`
		Limit      string   `json:"limit"`
		Capability string   `json:"capability"`
		Rule       string   `json:"rule"`
		Message    string   `json:"message"`
		Pos        string   `json:"pos"`
		Stack      []string `json:"stack"`
	} `json:"error"`
	Usage map[string]int64 `json:"usage"`
}

// decode checks that stdout is exactly one JSON object on one line and
// decodes it.
func decode(t *testing.T, stdout string) result {
	t.Helper()
	if strings.Count(stdout, "\n") != 1 || !strings.HasSuffix(stdout, "\n") {
		t.Fatalf("stdout is not one line:\n%s", stdout)
	}
	dec := json.NewDecoder(strings.NewReader(stdout))
	dec.DisallowUnknownFields()
	var r result
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("stdout is not the run's JSON object: %v\n%s", err, stdout)
	}
	for _, k := range []string{"steps", "memoryBytes", "cpuMs", "wallMs", "hostCalls", "outputBytes", "logBytes"} {
		if _, ok := r.Usage[k]; !ok {
			t.Errorf("usage has no %q: %s", k, stdout)
		}
	}
	return r
}

func compact(t *testing.T, s string) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(s)); err != nil {
		t.Fatalf("compact %q: %v", s, err)
	}
	return b.String()
}

const tenantPolicy = `name: t
rules:
  - name: tenant-kv
    allow: [kv.get, kv.set]
    when: args.key.startsWith(script.tenant + ":")
  - name: no-delete
    deny: [kv.delete]
  - name: crypto
    allow: [crypto.*]
`

func TestRunTransform(t *testing.T) {
	t.Parallel()
	dir := write(t, map[string]string{
		"transform.js": `
			const items = input.items.map(x => ({id: x.id, total: x.qty * x.price}));
			return {
				name: input.name.toUpperCase(),
				items,
				count: items.length,
				half: 0.5,
				big: input.big,
				html: "<a&b>",
				none: null,
			};`,
		"in.json": `{"name": "order", "big": 9007199254740993,
			"items": [{"id": 1, "qty": 2, "price": 1.25}, {"id": 2, "qty": 3, "price": 2}]}`,
	})
	code, stdout, stderr := cli(t, "", "run", "--input", filepath.Join(dir, "in.json"), filepath.Join(dir, "transform.js"))
	if code != 0 {
		t.Fatalf("exit %d, want 0\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	r := decode(t, stdout)
	want := `{"big":9007199254740992,"count":2,"half":0.5,"html":"<a&b>",` +
		`"items":[{"id":1,"total":2.5},{"id":2,"total":6}],"name":"ORDER","none":null}`
	if !r.OK || string(r.Value) != want {
		t.Errorf("got ok=%v value %s\nwant %s", r.OK, r.Value, want)
	}
	if r.Usage["outputBytes"] == 0 {
		t.Errorf("usage.outputBytes = 0, want > 0")
	}
}

func TestRunLua(t *testing.T) {
	t.Parallel()
	dir := write(t, map[string]string{
		"sum.lua":  "local s = 0\nfor _, x in ipairs(input.xs) do s = s + x end\nreturn {sum = s, n = #input.xs}",
		"loop.lua": "while true do end",
		"bad.lua":  "local x = = 1",
	})
	code, stdout, stderr := cli(t, `{"xs": [1, 2, 3.5]}`, "run", "--input", "-", filepath.Join(dir, "sum.lua"))
	if code != 0 {
		t.Fatalf("exit %d, want 0\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	if got, want := string(decode(t, stdout).Value), `{"n":3,"sum":6.5}`; got != want {
		t.Errorf("value = %s, want %s", got, want)
	}
	code, stdout, _ = cli(t, "", "run", "--steps", "1000", filepath.Join(dir, "loop.lua"))
	if r := decode(t, stdout); code != 3 || r.Error == nil || r.Error.Limit != "steps" {
		t.Errorf("loop.lua: exit %d, %s; want 3 and limit steps", code, stdout)
	}
	code, stdout, _ = cli(t, "", "run", filepath.Join(dir, "bad.lua"))
	if r := decode(t, stdout); code != 1 || r.Error == nil || r.Error.Kind != "compile" || !strings.HasPrefix(r.Error.Pos, "bad.lua:1") {
		t.Errorf("bad.lua: exit %d, %s; want 1, kind compile, pos bad.lua:1...", code, stdout)
	}
}

func TestRunInputStdin(t *testing.T) {
	t.Parallel()
	dir := write(t, map[string]string{"double.js": `return input.n * 2`})
	code, stdout, stderr := cli(t, `{"n": 21}`, "run", "--input", "-", filepath.Join(dir, "double.js"))
	if code != 0 {
		t.Fatalf("exit %d, want 0\nstderr: %s", code, stderr)
	}
	if r := decode(t, stdout); string(r.Value) != "42" {
		t.Errorf("value = %s, want 42", r.Value)
	}
	// Without --input the input is null.
	dir = write(t, map[string]string{"in.js": `return input === null`})
	_, stdout, _ = cli(t, `{"n": 21}`, "run", filepath.Join(dir, "in.js"))
	if r := decode(t, stdout); string(r.Value) != "true" {
		t.Errorf("input without --input: value = %s, want true", r.Value)
	}
}

func TestRunKVFile(t *testing.T) {
	t.Parallel()
	dir := write(t, map[string]string{
		"policy.yaml": tenantPolicy,
		"kv.json":     `{"acme:count": 1, "other:secret": "x"}`,
		"count.js": `
			const c = host.kv.get("acme:count");
			host.kv.set("acme:count", c + 1);
			host.kv.set("acme:new", {a: [1, "x"], b: true});
			return {before: c, missing: host.kv.get("acme:missing")};`,
	})
	kvPath := filepath.Join(dir, "kv.json")
	code, stdout, stderr := cli(t, "", "run", "--policy", filepath.Join(dir, "policy.yaml"),
		"--tenant", "acme", "--kv", kvPath, filepath.Join(dir, "count.js"))
	if code != 0 {
		t.Fatalf("exit %d, want 0\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	r := decode(t, stdout)
	if got, want := string(r.Value), `{"before":1,"missing":null}`; got != want {
		t.Errorf("value = %s, want %s", got, want)
	}
	if got := r.Usage["hostCalls"]; got != 4 {
		t.Errorf("usage.hostCalls = %d, want 4", got)
	}
	data, err := os.ReadFile(kvPath)
	if err != nil {
		t.Fatal(err)
	}
	var got any
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatalf("kv file is not JSON: %v\n%s", err, data)
	}
	want := map[string]any{
		"acme:count":   2.0,
		"acme:new":     map[string]any{"a": []any{1.0, "x"}, "b": true},
		"other:secret": "x",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("kv file (-want +got):\n%s", diff)
	}
}

func TestRunErrorKinds(t *testing.T) {
	t.Parallel()
	dir := write(t, map[string]string{
		"policy.yaml": tenantPolicy,
		"delete.js":   `host.kv.delete("acme:x"); return 1`,
		"other.js":    "\nreturn host.kv.get(\"other:secret\")",
		"nopolicy.js": `return host.kv.get("acme:x")`,
		"loop.js":     `let i = 0; while (true) { i++ }`,
		"throw.js":    "function f() {\n  throw new Error('boom')\n}\nf()",
		"big.js":      `return "x".repeat(1000)`,
		"hostfail.js": `host.kv.set("acme:big", "x".repeat(70000)); return 1`,
		"deep.json":   strings.Repeat("[", 100) + strings.Repeat("]", 100),
	})
	p := func(name string) string { return filepath.Join(dir, name) }
	pol := p("policy.yaml")
	tests := []struct {
		name       string
		args       []string
		code       int
		kind       string
		limit      string
		capability string
		rule       string
		msg        string // substring of the message
		pos        string // regexp for pos, "" not checked
	}{
		{name: "denied by deny rule", args: []string{"--policy", pol, "--tenant", "acme", p("delete.js")},
			code: 4, kind: "denied", capability: "kv.delete", rule: "no-delete", pos: `^delete\.js:1:\d+$`},
		{name: "denied no allow rule", args: []string{"--policy", pol, "--tenant", "acme", p("other.js")},
			code: 4, kind: "denied", capability: "kv.get", msg: "no rule allows it", pos: `^other\.js:2:\d+$`},
		{name: "denied without policy", args: []string{p("nopolicy.js")},
			code: 4, kind: "denied", capability: "kv.get", msg: "no policy"},
		{name: "steps", args: []string{"--steps", "1000", p("loop.js")},
			code: 3, kind: "limit", limit: "steps"},
		{name: "timeout", args: []string{"--steps", "1000000000000", "--cpu", "30s", "--timeout", "100ms", p("loop.js")},
			code: 3, kind: "limit", limit: "timeout"},
		{name: "output", args: []string{"--output", "100", p("big.js")},
			code: 3, kind: "limit", limit: "output"},
		{name: "runtime", args: []string{p("throw.js")},
			code: 1, kind: "runtime", msg: "boom", pos: `^throw\.js:2:\d+$`},
		{name: "host", args: []string{"--policy", pol, "--tenant", "acme", p("hostfail.js")},
			code: 5, kind: "host", capability: "kv.set"},
		{name: "input too deep", args: []string{"--input", p("deep.json"), p("big.js")},
			code: 2, kind: "input", msg: "nested deeper than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := cli(t, "", append([]string{"run", "--log-format", "json"}, tt.args...)...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, stdout, stderr)
			}
			r := decode(t, stdout)
			if r.OK || r.Error == nil {
				t.Fatalf("got ok result, want error: %s", stdout)
			}
			e := r.Error
			if e.Kind != tt.kind || e.Limit != tt.limit || e.Capability != tt.capability || e.Rule != tt.rule {
				t.Errorf("got kind=%q limit=%q capability=%q rule=%q, want %q %q %q %q",
					e.Kind, e.Limit, e.Capability, e.Rule, tt.kind, tt.limit, tt.capability, tt.rule)
			}
			if !strings.Contains(e.Message, tt.msg) {
				t.Errorf("message %q does not contain %q", e.Message, tt.msg)
			}
			if tt.pos != "" && !regexp.MustCompile(tt.pos).MatchString(e.Pos) {
				t.Errorf("pos = %q, want match for %s", e.Pos, tt.pos)
			}
			if strings.Contains(stdout, dir) {
				t.Errorf("stdout names the host directory %s: %s", dir, stdout)
			}
		})
	}
}

func TestRunCompileError(t *testing.T) {
	t.Parallel()
	dir := write(t, map[string]string{"bad.js": "let a = 1;\nlet b = ;\nreturn a\n"})
	code, stdout, stderr := cli(t, "", "run", filepath.Join(dir, "bad.js"))
	if code != 1 {
		t.Fatalf("exit %d, want 1\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	r := decode(t, stdout)
	if r.OK || r.Error == nil || r.Error.Kind != "compile" {
		t.Fatalf("got %s, want a compile error", stdout)
	}
	if r.Error.Pos != "bad.js:2:9" {
		t.Errorf("pos = %q, want bad.js:2:9", r.Error.Pos)
	}
	if strings.Contains(stdout, dir) {
		t.Errorf("stdout names the host directory: %s", stdout)
	}
}

// TestRunUsageErrors checks errors found before anything runs: exit 2,
// nothing on stdout and one line on stderr (a policy error may take more).
func TestRunUsageErrors(t *testing.T) {
	t.Parallel()
	dir := write(t, map[string]string{
		"ok.js":         `return 1`,
		"script.py":     `print(1)`,
		"trailing.json": `{"a": 1} {"b": 2}`,
		"empty.json":    "",
		"bad.json":      "{\n  \"a\": 1,\n  \"b\": [1, 2,, 3]\n}",
		"unclosed.json": "{\"a\": [1,\n",
		"huge.json":     `{"n": 1e400}`,
		"deep.json":     strings.Repeat("[", 1_000_000),
		"bad.yaml":      "name: t\nrules:\n  - name: r\n    allow: [kv.get]\n    when: args.key.startsWith(1)\n",
		"notyaml.yaml":  "name: [\n",
		"kv.json":       `{"a": }`,
	})
	p := func(name string) string { return filepath.Join(dir, name) }
	ok := p("ok.js")
	tests := []struct {
		name     string
		args     []string
		want     string // substring of stderr
		multline bool
	}{
		{"bad flag", []string{"run", "--nope", ok}, "flag provided but not defined: -nope", false},
		{"bad size", []string{"run", "--memory", "12XB", ok}, `invalid value "12XB" for flag -memory`, false},
		{"negative steps", []string{"run", "--steps", "-1", ok}, "non-negative", false},
		{"bad duration", []string{"run", "--timeout", "soon", ok}, "duration", false},
		{"bad label", []string{"run", "--label", "novalue", ok}, "key=value", false},
		{"bad log format", []string{"run", "--log-format", "xml", ok}, "text, json", false},
		{"no script", []string{"run"}, "want one SCRIPT", false},
		{"two scripts", []string{"run", ok, ok}, "want one SCRIPT", false},
		{"missing script", []string{"run", p("missing.js")}, "missing.js: no such file", false},
		{"unknown extension", []string{"run", p("script.py")}, "cannot tell the language", false},
		{"unknown lang", []string{"run", "--lang", "cobol", ok}, `unknown language "cobol"`, false},
		{"bad isolation", []string{"run", "--isolation", "vm", ok}, "inproc, process", false},
		{"missing input", []string{"run", "--input", p("missing.json"), ok}, "missing.json: no such file", false},
		{"malformed input", []string{"run", "--input", p("bad.json"), ok}, "bad.json:3:14: invalid character ','", false},
		{"unclosed input", []string{"run", "--input", p("unclosed.json"), ok}, "unclosed.json:2:1: unexpected end", false},
		{"trailing input", []string{"run", "--input", p("trailing.json"), ok}, "trailing.json:1:10: unexpected data after", false},
		{"empty input", []string{"run", "--input", p("empty.json"), ok}, "empty.json: no JSON value", false},
		{"number out of range", []string{"run", "--input", p("huge.json"), ok}, "at $.n: number 1e400 is out of range", false},
		{"deep input", []string{"run", "--input", p("deep.json"), ok}, "deep.json:1:10001: ", false},
		{"malformed policy", []string{"run", "--policy", p("bad.yaml"), ok}, "bad.yaml:5:", true},
		{"policy not yaml", []string{"run", "--policy", p("notyaml.yaml"), ok}, "notyaml.yaml:", true},
		{"missing policy", []string{"run", "--policy", p("missing.yaml"), ok}, "missing.yaml", false},
		{"malformed kv", []string{"run", "--kv", p("kv.json"), ok}, "kv.json", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := cli(t, "", tt.args...)
			if code != 2 {
				t.Errorf("exit %d, want 2\nstderr: %s", code, stderr)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want nothing", stdout)
			}
			if !strings.HasPrefix(stderr, "scriptrun: ") || !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr = %q, want scriptrun: ... %q", stderr, tt.want)
			}
			if !tt.multline && strings.Count(stderr, "\n") != 1 {
				t.Errorf("stderr has %d lines, want 1:\n%s", strings.Count(stderr, "\n"), stderr)
			}
		})
	}
}

func TestRunDeterministic(t *testing.T) {
	t.Parallel()
	dir := write(t, map[string]string{
		"policy.yaml": tenantPolicy,
		"rand.js": `return {r: [Math.random(), Math.random()], now: Date.now(),
			iso: new Date().toISOString(), hex: host.crypto.random_hex(8)}`,
	})
	args := []string{"run", "--deterministic", "--policy", filepath.Join(dir, "policy.yaml"), filepath.Join(dir, "rand.js")}
	var values []string
	for i := 0; i < 2; i++ {
		code, stdout, stderr := cli(t, "", args...)
		if code != 0 {
			t.Fatalf("exit %d, want 0\nstdout: %s\nstderr: %s", code, stdout, stderr)
		}
		values = append(values, string(decode(t, stdout).Value))
	}
	if values[0] != values[1] {
		t.Errorf("deterministic runs differ:\n%s\n%s", values[0], values[1])
	}
	var v struct {
		Now int64  `json:"now"`
		ISO string `json:"iso"`
	}
	if err := json.Unmarshal([]byte(values[0]), &v); err != nil {
		t.Fatal(err)
	}
	if v.Now != 946684800000 || v.ISO != "2000-01-01T00:00:00.000Z" {
		t.Errorf("clock = %d %s, want 946684800000 2000-01-01T00:00:00.000Z", v.Now, v.ISO)
	}
	// Without --deterministic, the random numbers change.
	_, stdout, _ := cli(t, "", append([]string{"run"}, args[2:]...)...)
	if got := string(decode(t, stdout).Value); got == values[0] {
		t.Errorf("a non-deterministic run gave the deterministic value %s", got)
	}
}

func TestRunLogs(t *testing.T) {
	t.Parallel()
	dir := write(t, map[string]string{
		"policy.yaml": tenantPolicy,
		"log.js": `console.log("hello", {a: 1}); console.warn("careful");
			host.kv.get("acme:x"); host.kv.delete("acme:x")`,
	})
	code, stdout, stderr := cli(t, "", "run", "--log-format", "json", "--tenant", "acme",
		"--policy", filepath.Join(dir, "policy.yaml"), filepath.Join(dir, "log.js"))
	if code != 4 {
		t.Fatalf("exit %d, want 4\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	events := map[string]int{}
	var logs []string
	sc := bufio.NewScanner(strings.NewReader(stderr))
	for sc.Scan() {
		var ev map[string]any
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("stderr line is not JSON: %v\n%s", err, sc.Text())
		}
		name, _ := ev["event"].(string)
		events[name]++
		if name == "script.log" {
			logs = append(logs, ev["level"].(string)+" "+ev["message"].(string))
		}
	}
	for _, name := range []string{"script.compiled", "run.started", "host.call", "policy.denied", "run.finished"} {
		if events[name] == 0 {
			t.Errorf("no %s event in stderr:\n%s", name, stderr)
		}
	}
	if want := []string{`info hello {"a":1}`, "warn careful"}; !cmp.Equal(logs, want) {
		t.Errorf("script logs = %q, want %q", logs, want)
	}

	// The text format is for people: not JSON, but it names the events.
	_, _, stderr = cli(t, "", "run", "--log-format", "text", filepath.Join(dir, "log.js"))
	if !strings.Contains(stderr, "run.finished") || strings.HasPrefix(stderr, "{") {
		t.Errorf("text log:\n%s", stderr)
	}
}

func TestTopLevel(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{nil, {"frobnicate"}, {"help", "frobnicate"}, {"help", "run", "check"}} {
		code, stdout, stderr := cli(t, "", args...)
		if code != 2 || stdout != "" || !strings.Contains(stderr, "usage: scriptrun") {
			t.Errorf("scriptrun %q: exit %d, stdout %q, stderr %q; want 2 and usage on stderr", args, code, stdout, stderr)
		}
	}
	// Usage asked for is the output: stdout, exit 0.
	for _, args := range [][]string{{"-h"}, {"--help"}, {"help"}} {
		code, stdout, stderr := cli(t, "", args...)
		if code != 0 || stderr != "" {
			t.Errorf("scriptrun %q: exit %d, stderr %q; want 0 and nothing on stderr", args, code, stderr)
		}
		for cmd := range helpable {
			if !strings.Contains(stdout, "\n  "+cmd+" ") {
				t.Errorf("scriptrun %q does not list %s:\n%s", args, cmd, stdout)
			}
		}
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "-h"}, "-steps"},
		{[]string{"run", "--help"}, "-steps"},
		{[]string{"run", "x.js", "--steps", "5", "-help"}, "usage: scriptrun run"},
		{[]string{"help", "run"}, "-memory"},
		{[]string{"check", "--help"}, "usage: scriptrun check"},
		{[]string{"help", "check"}, "-policy"},
		{[]string{"version", "-h"}, "usage: scriptrun version"},
	} {
		code, stdout, stderr := cli(t, "", tt.args...)
		if code != 0 || stderr != "" || !strings.Contains(stdout, tt.want) {
			t.Errorf("scriptrun %q: exit %d, stdout %q, stderr %q; want 0 and %q on stdout", tt.args, code, stdout, stderr, tt.want)
		}
	}
	// After "--", -h is an argument: here a script name.
	if code, stdout, _ := cli(t, "", "run", "--", "-h"); code != 2 || stdout != "" {
		t.Errorf("run -- -h: exit %d, stdout %q; want 2 (no such script)", code, stdout)
	}
	code, stdout, _ := cli(t, "", "version")
	if code != 0 || !regexp.MustCompile(`^scriptrun \S+ \(go[^)]*\)\nisolation process: (layers .*\nisolation process: memory cap: \S|unavailable)`).MatchString(stdout) {
		t.Errorf("version: exit %d, stdout %q", code, stdout)
	}
	if code, _, _ := cli(t, "", "version", "extra"); code != 2 {
		t.Errorf("version extra: exit %d, want 2", code)
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	dir := write(t, map[string]string{
		"ok.js":       `return input`,
		"bad.js":      "return 1;\n}{",
		"policy.yaml": tenantPolicy,
		"bad.yaml":    "name: t\nrules:\n  - name: r\n    allow: [kv.get]\n    when: args.key.startsWith(1)\n",
		"typo.yaml":   "name: t\nrules:\n  - name: r\n    deny: [kv.delte]\n",
		"warn.yaml":   "name: t\nrules:\n  - name: r\n    allow: [kv.*]\n    match: script.labels.plan == 'pro'\n",
		"syntax.yaml": "name: t\nrules:\n  - name: r\n    allow: [kv.get]\n  - name: s\n    allow: [kv.set]\n   when: x\n",
	})
	p := func(name string) string { return filepath.Join(dir, name) }
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{p("ok.js")}, 0, ""},
		{[]string{"--policy", p("policy.yaml"), p("ok.js")}, 0, ""},
		{[]string{p("ok.js"), p("bad.js")}, 1, p("bad.js") + ":2:"},
		{[]string{"--policy", p("bad.yaml"), p("ok.js")}, 2, "bad.yaml:5:"},
		{[]string{"--policy", p("warn.yaml")}, 0, "warn.yaml:5:25: warning: rule \"r\": match: script.labels.plan: a run without the label \"plan\""},
		{[]string{"--policy", p("typo.yaml")}, 2, "typo.yaml:4:12: rule \"r\": unknown capability kv.delte (did you mean kv.delete?)"},
		{[]string{"--policy", p("syntax.yaml")}, 2, "syntax.yaml:7:4: invalid YAML: did not find expected '-' indicator\n7 |    when: x\n  |    ^\n"},
		{[]string{p("missing.js")}, 2, "missing.js"},
		{nil, 2, "want at least one SCRIPT"},
	}
	for _, tt := range tests {
		code, stdout, stderr := cli(t, "", append([]string{"check"}, tt.args...)...)
		if code != tt.code || stdout != "" || !strings.Contains(stderr, tt.want) || (tt.want == "") != (stderr == "") {
			t.Errorf("check %q: exit %d, stdout %q, stderr %q; want %d and %q", tt.args, code, stdout, stderr, tt.code, tt.want)
		}
	}
}

// TestExamples runs every scripts/examples/<name>.js (and .lua when that
// backend is built in) that has an expectation, <name>.js.expected.json or
// <name>.expected.json: the JSON object run should print. Optional files
// beside the script: <name>.input.json (--input), <name>.policy.yaml
// (--policy), <name>.kv.json (copied, then --kv), <name>.args (extra flags,
// whitespace-separated). Runs are --deterministic. ok, value and error are
// compared exactly (error fields left out of the expectation are not
// checked); of usage, only the fields the expectation lists, except the
// timing fields cpuMs and wallMs.
func TestExamples(t *testing.T) {
	const dir = "../../scripts/examples"
	if runExamples(t, dir) == 0 {
		t.Skipf("no examples with expectations in %s", dir)
	}
}

// TestExamplesHarness checks runExamples itself on a made-up directory.
func TestExamplesHarness(t *testing.T) {
	dir := write(t, map[string]string{
		"double.js":            `return input.n * 2`,
		"double.input.json":    `{"n": 21}`,
		"double.expected.json": `{"ok": true, "value": 42, "usage": {"hostCalls": 0, "wallMs": 12345}}`,
		"kv.js":                `host.kv.set("acme:a", host.kv.get("acme:a") + 1); return host.kv.get("acme:a")`,
		"kv.policy.yaml":       tenantPolicy,
		"kv.kv.json":           `{"acme:a": 1}`,
		"kv.args":              "--tenant acme",
		"kv.js.expected.json":  `{"ok": true, "value": 2}`,
		"deny.js":              `return host.kv.get("x")`,
		"deny.expected.json":   `{"ok": false, "error": {"kind": "denied", "capability": "kv.get"}}`,
		"noexpect.js":          `throw new Error("not a test case")`,
	})
	if n := runExamples(t, dir); n != 3 {
		t.Errorf("ran %d examples, want 3", n)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "kv.kv.json")); string(data) != `{"acme:a": 1}` {
		t.Errorf("the example's kv file was changed: %s", data)
	}
}

// runExamples runs the examples in dir as subtests and returns how many had
// an expectation.
func runExamples(t *testing.T, dir string) int {
	var scripts []string
	for lang := range backends() {
		m, _ := filepath.Glob(filepath.Join(dir, "*."+lang))
		scripts = append(scripts, m...)
	}
	ran := 0
	for _, script := range scripts {
		stem := strings.TrimSuffix(script, filepath.Ext(script))
		expPath := script + ".expected.json"
		exp, err := os.ReadFile(expPath)
		if err != nil {
			expPath = stem + ".expected.json"
			if exp, err = os.ReadFile(expPath); err != nil {
				continue // no expectation: not a test case
			}
		}
		ran++
		t.Run(filepath.Base(script), func(t *testing.T) {
			t.Parallel()
			args := []string{"run", "--deterministic", "--log-format", "json"}
			if in, err := os.ReadFile(stem + ".input.json"); err == nil {
				inPath := stem + ".input.json"
				if fi, err := os.Stat(stem + ".partner"); err == nil && fi.IsDir() {
					// The example's partner API: a local server of the
					// files in <name>.partner/, its URL put in for
					// $PARTNER in the input.
					ts := httptest.NewServer(http.FileServer(http.Dir(stem + ".partner")))
					t.Cleanup(ts.Close)
					inPath = filepath.Join(t.TempDir(), "input.json")
					if err := os.WriteFile(inPath, []byte(strings.ReplaceAll(string(in), "$PARTNER", ts.URL)), 0o600); err != nil {
						t.Fatal(err)
					}
				}
				args = append(args, "--input", inPath)
			}
			if _, err := os.Stat(stem + ".policy.yaml"); err == nil {
				args = append(args, "--policy", stem+".policy.yaml")
			}
			if data, err := os.ReadFile(stem + ".kv.json"); err == nil {
				kvPath := filepath.Join(t.TempDir(), "kv.json")
				if err := os.WriteFile(kvPath, data, 0o600); err != nil {
					t.Fatal(err)
				}
				args = append(args, "--kv", kvPath)
			}
			if data, err := os.ReadFile(stem + ".args"); err == nil {
				args = append(args, strings.Fields(string(data))...)
			}
			args = append(args, "--", script)
			code, stdout, stderr := cli(t, "", args...)

			var want map[string]json.RawMessage
			if err := json.Unmarshal(exp, &want); err != nil {
				t.Fatalf("%s: %v", expPath, err)
			}
			var got map[string]json.RawMessage
			if err := json.Unmarshal([]byte(stdout), &got); err != nil {
				t.Fatalf("exit %d, stdout is not JSON: %v\nstdout: %s\nstderr: %s", code, err, stdout, stderr)
			}
			for _, k := range []string{"ok", "value"} {
				if w, ok := want[k]; ok && compact(t, string(w)) != compact(t, string(got[k])) {
					t.Errorf("%s = %s, want %s", k, got[k], w)
				}
			}
			wantCode := 0
			if w, ok := want["error"]; ok {
				var we, ge map[string]any
				_ = json.Unmarshal(w, &we)
				_ = json.Unmarshal(got["error"], &ge)
				for k, v := range we {
					if !cmp.Equal(v, ge[k]) {
						t.Errorf("error.%s = %v, want %v", k, ge[k], v)
					}
				}
				kind, _ := we["kind"].(string)
				wantCode = exitCode(engine.Kind(kind))
			}
			if w, ok := want["usage"]; ok {
				var wu, gu map[string]int64
				_ = json.Unmarshal(w, &wu)
				_ = json.Unmarshal(got["usage"], &gu)
				for k, v := range wu {
					if k != "cpuMs" && k != "wallMs" && gu[k] != v {
						t.Errorf("usage.%s = %d, want %d", k, gu[k], v)
					}
				}
			}
			if code != wantCode {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, wantCode, stdout, stderr)
			}
		})
	}
	return ran
}
