package suite_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/scriptrun/scriptrun/bridge"
	"github.com/scriptrun/scriptrun/bridge/kv"
	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/suite"
)

var update = flag.Bool("update", false, "rewrite the golden reports in testdata")

// runFile loads and runs one suite file.
func runFile(t *testing.T, path string, opts suite.Options) *suite.Result {
	t.Helper()
	s, err := suite.Load(path, opts)
	if err != nil {
		t.Fatalf("Load(%s): %v", path, err)
	}
	r, err := s.Run(context.Background(), opts)
	if err != nil {
		t.Fatalf("Run(%s): %v", path, err)
	}
	return r
}

// TestExamples runs every suite under scripts/examples (suite.Test: a
// subtest per suite and case); there must be suites of both kinds.
func TestExamples(t *testing.T) {
	suite.Test(t, suite.Options{}, "../scripts/examples")
	files, err := suite.Find("../scripts/examples")
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[suite.Kind]int{}
	for _, f := range files {
		k, err := suite.KindOf(f)
		if err != nil {
			t.Fatal(err)
		}
		kinds[k]++
	}
	if kinds[suite.KindPolicy] < 3 || kinds[suite.KindScript] < 6 {
		t.Errorf("found %d policy and %d script suites under scripts/examples, want at least 3 and 6", kinds[suite.KindPolicy], kinds[suite.KindScript])
	}
}

// TestFailingReports asserts the text report of suites whose cases fail
// on purpose, one line per failing case with what was expected and what
// came out (testdata/*.golden; go test -update rewrites them).
func TestFailingReports(t *testing.T) {
	for _, tt := range []struct{ suite, golden string }{
		{"testdata/failing.policy_test.yaml", "testdata/failing.policy.golden"},
		{"testdata/failing_test.yaml", "testdata/failing.golden"},
		{"testdata/replay_test.yaml", "testdata/replay.golden"},
	} {
		r := runFile(t, tt.suite, suite.Options{})
		var b bytes.Buffer
		if err := suite.WriteText(&b, []*suite.Result{r}, true); err != nil {
			t.Fatal(err)
		}
		if *update {
			if err := os.WriteFile(tt.golden, b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(tt.golden)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(string(want), b.String()); diff != "" {
			t.Errorf("%s: report differs from %s (-want +got):\n%s", tt.suite, tt.golden, diff)
		}
		for _, line := range strings.Split(b.String(), "\n") {
			if strings.ContainsAny(line, "\x1b\a\r\u202e") {
				t.Errorf("%s: a report line carries a control character: %q", tt.suite, line)
			}
		}
	}
}

func TestFilter(t *testing.T) {
	r := runFile(t, "testdata/failing.policy_test.yaml", suite.Options{Filter: regexp.MustCompile(`^(own key|quota)`)})
	var names []string
	for _, c := range r.Cases {
		names = append(names, c.Name)
	}
	if want := []string{"own key allowed", "quota reached"}; !cmp.Equal(names, want) {
		t.Errorf("cases run: got %q, want %q", names, want)
	}
}

func TestPolicyCoverage(t *testing.T) {
	r := runFile(t, "testdata/failing.policy_test.yaml", suite.Options{Coverage: true})
	got := map[string]bool{}
	for _, rc := range r.Coverage.Rules {
		got[rc.Rule] = rc.Applied
	}
	want := map[string]bool{"tenant-kv": true, "kv-quota": true, "pro-only": false, "never-used": false}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rule coverage (-want +got):\n%s", diff)
	}
	var b bytes.Buffer
	suite.WriteText(&b, []*suite.Result{r}, false)
	if !strings.Contains(b.String(), `coverage: 2 of 4 rules applied; never applied: "pro-only" (testdata/quota.policy.yaml:10:5), "never-used" (testdata/quota.policy.yaml:13:5)`) {
		t.Errorf("coverage line missing from the report:\n%s", b.String())
	}
}

// lineBackend is a JS "backend" that runs nothing: it marks as run the
// lines listed in the input's "lines" and returns null, so that the
// coverage report can be tested whatever the real backends collect.
type lineBackend struct{}

func (lineBackend) Lang() string { return "js" }
func (lineBackend) Compile(src engine.Source, _ engine.CompileLimits) (engine.Program, error) {
	return src.Code, nil
}
func (lineBackend) Run(_ context.Context, _ engine.Program, env *engine.Env) (any, error) {
	in, _ := env.Input.(map[string]any)
	lines, _ := in["lines"].([]any)
	for _, l := range lines {
		if env.Coverage != nil {
			env.Coverage.Lines[int(l.(int64))] = true
		}
	}
	return nil, nil
}

func TestScriptCoverage(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "s.js", "// a comment\nlet a = 1;\n\nif (a) {\n  a++;\n} else {\n  a--;\n}\n/* block\n   comment */\nreturn a;\n")
	write(t, dir, "s_test.yaml", "script: s.js\ncases:\n  - name: one\n    input: {lines: [2, 4]}\n  - name: two\n    input: {lines: [5]}\n")
	opts := suite.Options{Coverage: true, Backends: func() []engine.Backend { return []engine.Backend{lineBackend{}} }}
	r := runFile(t, filepath.Join(dir, "s_test.yaml"), opts)
	c := r.Coverage
	if !c.Collected || c.CodeLines != 5 || !cmp.Equal(c.Unrun, []int{7, 11}) {
		t.Errorf("coverage: got collected %v, %d code lines, unrun %v; want true, 5, [7 11]", c.Collected, c.CodeLines, c.Unrun)
	}
	var b bytes.Buffer
	suite.WriteText(&b, []*suite.Result{r}, false)
	if want := "coverage: s.js: 3 of 5 lines with code ran; never ran: 7, 11\n"; !strings.Contains(b.String(), want) {
		t.Errorf("report:\n%s\nwant a line %q", b.String(), want)
	}

	// A backend that reports no line at all does not collect coverage:
	// the report says so instead of calling every line unrun.
	write(t, dir, "s_test.yaml", "script: s.js\ncases:\n  - name: one\n")
	r = runFile(t, filepath.Join(dir, "s_test.yaml"), opts)
	if r.Coverage.Collected || len(r.Coverage.Unrun) != 0 {
		t.Errorf("no lines reported: got collected %v, unrun %v", r.Coverage.Collected, r.Coverage.Unrun)
	}
}

func TestCodeLines(t *testing.T) {
	for _, tt := range []struct {
		lang, src string
		want      []int
	}{
		{"js", "a();\n// c\n}\n});\n`x\ny`;\n/* a\nb */ f();\n\"//\" + g();", []int{1, 5, 6, 8, 9}},
		{"js", "try {\n} catch (e) {\n} catch {\nwhile (true) {\nwhile (x) {\nreturn {\nreturn;\nfor (;;) {\n", []int{5, 7}},
		{"lua", "local a = 1\n-- c\n--[[ x\ny ]] f()\nend\nelse\ns = [[\nz]]\nif a then\nwhile true do\nwhile x do", []int{1, 4, 7, 8, 9, 11}},
	} {
		if got := suite.CodeLines(tt.lang, tt.src); !cmp.Equal(got, tt.want) {
			t.Errorf("CodeLines(%s, %q) = %v, want %v", tt.lang, tt.src, got, tt.want)
		}
	}
}

func TestJSONAndJUnit(t *testing.T) {
	r := runFile(t, "testdata/failing.policy_test.yaml", suite.Options{Coverage: true})
	var b bytes.Buffer
	if err := suite.WriteJSON(&b, []*suite.Result{r}); err != nil {
		t.Fatal(err)
	}
	var out struct {
		Suites []struct {
			File  string
			Kind  string
			Cases []struct {
				Name     string
				Pos      string
				Passed   bool
				Failures []string
			}
			Coverage struct{ Rules []struct{ Rule string } }
		}
		Passed, Failed int
	}
	if err := json.Unmarshal(b.Bytes(), &out); err != nil {
		t.Fatalf("JSON report does not parse: %v\n%s", err, b.String())
	}
	if out.Passed != 2 || out.Failed != 5 || len(out.Suites) != 1 || len(out.Suites[0].Cases) != 7 ||
		out.Suites[0].Kind != "policy" || len(out.Suites[0].Coverage.Rules) != 4 {
		t.Errorf("JSON report: %+v", out)
	}
	c := out.Suites[0].Cases[1]
	if c.Name != "wrong decision" || c.Passed || c.Pos != "testdata/failing.policy_test.yaml:11:5" || len(c.Failures) != 1 {
		t.Errorf("JSON case: %+v", c)
	}

	b.Reset()
	if err := suite.WriteJUnit(&b, []*suite.Result{r}); err != nil {
		t.Fatal(err)
	}
	var ju struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Suites   []struct {
			Cases []struct {
				Name    string `xml:"name,attr"`
				Failure *struct {
					Message string `xml:"message,attr"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b.Bytes(), &ju); err != nil {
		t.Fatalf("JUnit report does not parse: %v\n%s", err, b.String())
	}
	if ju.Tests != 7 || ju.Failures != 5 || ju.Suites[0].Cases[1].Failure == nil || ju.Suites[0].Cases[0].Failure != nil {
		t.Errorf("JUnit report: %+v", ju)
	}
	if bytes.ContainsAny(b.Bytes(), "\x1b") {
		t.Errorf("JUnit report carries an ESC")
	}
}

func write(t *testing.T, dir, name, text string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestBadSuites: a suite is input; every mistake is a suite error with
// file:line:col, never a case that passes by accident.
func TestBadSuites(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "p.yaml", "name: p\nrules:\n  - name: r\n    allow: [kv.get]\n")
	write(t, dir, "s.js", "return 1;\n")
	for _, tt := range []struct {
		name, yaml, want string
	}{
		{"unknown top key", "policy: p.yaml\ncase: []\n", "x_test.yaml:2:1: policy suite: unknown key \"case\" (want policy, defaults or cases)"},
		{"unknown case key", "policy: p.yaml\ncases:\n  - name: a\n    call: kv.get\n    expct: {decision: allow}\n", "x_test.yaml:5:5: case \"a\": unknown key \"expct\""},
		{"wrong type", "policy: p.yaml\ncases:\n  - name: a\n    call: [kv.get]\n    expect: {decision: allow}\n", "x_test.yaml:4:11: case \"a\": call must be a string"},
		{"bad decision", "policy: p.yaml\ncases:\n  - name: a\n    call: kv.get\n    expect: {decision: allowed}\n", "x_test.yaml:5:24: case \"a\": expect.decision: \"allowed\": want allow, deny or audit-deny"},
		{"missing expect", "policy: p.yaml\ncases:\n  - name: a\n    call: kv.get\n", "x_test.yaml:3:5: case \"a\": expect: is required"},
		{"missing policy file", "policy: nope.yaml\ncases:\n  - name: a\n    call: kv.get\n    expect: {decision: allow}\n", "x_test.yaml:1:9: policy: "},
		{"missing script file", "script: nope.js\ncases:\n  - name: a\n", "x_test.yaml:1:9: script: "},
		{"unknown capability", "policy: p.yaml\ncases:\n  - name: a\n    call: kv.gte\n    expect: {decision: allow}\n", "x_test.yaml:4:11: case \"a\": call kv.gte: no module provides it"},
		{"duplicate case", "script: s.js\ncases:\n  - name: a\n  - name: a\n", "x_test.yaml:4:11: case \"a\": duplicate case name"},
		{"infinity", "script: s.js\ncases:\n  - name: a\n    input: {x: .inf}\n", "x_test.yaml:4:16: case \"a\": input: .inf is not a finite number"},
		{"big int", "script: s.js\ncases:\n  - name: a\n    input: 9007199254740993\n", "x_test.yaml:4:12: case \"a\": input: integer 9007199254740993 is beyond"},
		{"alias", "script: s.js\ncases:\n  - name: a\n    input: &x [1]\n  - name: b\n    input: *x\n", "x_test.yaml:6:12: case \"b\": input: YAML aliases are not supported"},
		{"deep", "script: s.js\ncases:\n  - name: a\n    input: " + strings.Repeat("[", 100) + strings.Repeat("]", 100) + "\n", "case \"a\": input: nested deeper than 64 levels"},
		{"bad bound", "script: s.js\ncases:\n  - name: a\n    expect: {usage: {steps: \"<< 3\"}}\n", "x_test.yaml:4:29: case \"a\": expect.usage.steps: want a number or a bound"},
		{"bad usage field", "script: s.js\ncases:\n  - name: a\n    expect: {usage: {stepz: 3}}\n", "x_test.yaml:4:22: case \"a\": expect.usage: unknown key \"stepz\""},
		{"mock without answer", "script: s.js\ncases:\n  - name: a\n    mocks: [{call: http.get}]\n", "x_test.yaml:4:13: case \"a\": mocks[0]: needs a result or an error"},
		{"mock of nothing", "script: s.js\ncases:\n  - name: a\n    mocks: [{call: http.gte, result: 1}]\n", "x_test.yaml:4:20: case \"a\": mock of http.gte: no module provides it"},
		{"value and error", "script: s.js\ncases:\n  - name: a\n    expect: {value: 1, error: {kind: runtime}}\n", "x_test.yaml:4:13: case \"a\": expect: has both value and error"},
		{"bad budget", "script: s.js\nbudget: {steps: -1, timeot: 1s}\ncases:\n  - name: a\n", "x_test.yaml:2:17: budget.steps: want a non-negative integer, got \"-1\""},
		{"unknown budget key", "script: s.js\nbudget: {steps: 1, timeot: 1s}\ncases:\n  - name: a\n", "x_test.yaml:2:20: budget: unknown key \"timeot\" (want steps, memory, timeout"},
		{"bad kind", "script: s.js\ncases:\n  - name: a\n    expect: {error: {kind: limits}}\n", "x_test.yaml:4:28: case \"a\": expect.error.kind: \"limits\""},
		{"missing recording", "script: s.js\ncases:\n  - name: a\n    recording: r.json\n", "x_test.yaml:4:16: case \"a\": recording: "},
		{"bad recording", "script: s.js\ncases:\n  - name: a\n    recording: s.js\n", "x_test.yaml:4:16: case \"a\": recording: "},
		{"recording with expect", "script: s.js\ncases:\n  - name: a\n    recording: r.json\n    expect: {value: 1}\n", "x_test.yaml:3:5: case \"a\": a recording case has only name and recording"},
		{"neither kind", "cases: []\n", "x_test.yaml:1:1: a suite needs policy: (a policy suite) or script: (a script suite)"},
		{"syntax", "script: s.js\ncases:\n  - name: a\n    input: {a: [1, 2}\n  - name: b\n", "x_test.yaml:4:20: invalid YAML: did not find expected ',' or ']'\n4 |     input: {a: [1, 2}\n  |                    ^"},
		{"code frame", "script: s.js\nbudget: {steps: 1.5}\ncases:\n  - name: a\n", "x_test.yaml:2:17: budget.steps: want a non-negative integer, got \"1.5\"\n2 | budget: {steps: 1.5}\n  |                 ^"},
		{"budget over max", "script: s.js\nbudget: {stackDepth: 5000}\ncases:\n  - name: a\n", "x_test.yaml:2:22: budget.stackDepth: want at most 2000"},
		{"misspelt arg", "policy: p.yaml\ncases:\n  - name: a\n    call: kv.get\n    args: {kye: x}\n    expect: {decision: deny}\n", "x_test.yaml:5:11: case \"a\": kv.get: args: \"kye\" is not a param (want key)"},
		{"missing arg", "policy: p.yaml\ncases:\n  - name: a\n    call: kv.get\n    expect: {decision: deny}\n", "x_test.yaml:4:11: case \"a\": kv.get: args: the required param \"key\" is missing"},
		{"misspelt mock arg", "script: s.js\ncases:\n  - name: a\n    mocks: [{call: http.get, args: {uri: x}, result: 1}]\n", "x_test.yaml:4:36: case \"a\": mock of http.get: args: \"uri\" is not a param (want url, opts)"},
		{"empty cases", "script: s.js\ncases: []\n", "x_test.yaml:2:8: cases must not be empty"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, "x_test.yaml")
			write(t, dir, "x_test.yaml", tt.yaml)
			_, err := suite.Load(path, suite.Options{})
			var se *suite.Error
			if !errors.As(err, &se) {
				t.Fatalf("Load: got %v, want a *suite.Error", err)
			}
			got := strings.ReplaceAll(err.Error(), dir+string(filepath.Separator), "")
			if !strings.Contains(got, tt.want) {
				t.Errorf("Load error:\n%s\nwant it to contain:\n%s", got, tt.want)
			}
		})
	}
}

// TestBadPolicy: a policy a suite names that does not load is a suite
// error at the policy's own lines.
func TestBadPolicy(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "p.yaml", "name: p\nrules:\n  - name: r\n    deny: [kv.delte]\n")
	write(t, dir, "x_test.yaml", "policy: p.yaml\ncases:\n  - name: a\n    call: kv.get\n    expect: {decision: allow}\n")
	_, err := suite.Load(filepath.Join(dir, "x_test.yaml"), suite.Options{})
	if err == nil || !strings.Contains(err.Error(), "p.yaml:4:12: ") || !strings.Contains(err.Error(), "x_test.yaml:1:9: policy ") {
		t.Errorf("Load: got %v, want the policy's problem at p.yaml:4:12 and the suite's line", err)
	}
}

func TestHugeSuite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x_test.yaml")
	write(t, dir, "x_test.yaml", "script: s.js\n#"+strings.Repeat("x", suite.MaxFileBytes))
	_, err := suite.Load(path, suite.Options{})
	if err == nil || !strings.Contains(err.Error(), "is over") {
		t.Errorf("Load of a file over MaxFileBytes: got %v", err)
	}
}

func TestFind(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "a", "b"), 0o755)
	write(t, dir, "a/b/z_test.yaml", "")
	write(t, dir, "a/y_test.yaml", "")
	write(t, dir, "a/not-a-suite.yaml", "")
	write(t, dir, "x.yaml", "")
	got, err := suite.Find(filepath.Join(dir, "a"), filepath.Join(dir, "x.yaml"), filepath.Join(dir, "a", "y_test.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range got {
		got[i], _ = filepath.Rel(dir, got[i])
	}
	if want := []string{"a/b/z_test.yaml", "a/y_test.yaml", "x.yaml"}; !cmp.Equal(got, want) {
		t.Errorf("Find = %q, want %q", got, want)
	}
	if _, err := suite.Find(filepath.Join(dir, "missing")); err == nil {
		t.Error("Find of a missing path: no error")
	}
}

// TestWriteErrorEscapes: a suite error names what the suite says (a label
// key here); written out, nothing in it can drive a terminal.
func TestWriteErrorEscapes(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "s.js", "return 1;\n")
	write(t, dir, "x_test.yaml", "script: s.js\nidentity: {labels: {\"\\e[2J\\u202e\": [1]}}\ncases:\n  - name: a\n")
	_, err := suite.Load(filepath.Join(dir, "x_test.yaml"), suite.Options{})
	if err == nil {
		t.Fatal("Load: no error")
	}
	var b bytes.Buffer
	suite.WriteError(&b, err)
	if strings.ContainsAny(b.String(), "\x1b\u202e") || !strings.Contains(b.String(), `identity.labels.\x1b[2J\u202e must be a string`) {
		t.Errorf("WriteError wrote %q", b.String())
	}
}

// TestAuditDecision: in audit mode a would-be denial is allowed; a case
// tells the two apart with decision audit-deny.
func TestAuditDecision(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "p.yaml", "name: p\nmode: audit\nrules:\n  - name: r\n    allow: [kv.get]\n    when: args.key == \"a\"\n")
	write(t, dir, "x_test.yaml", "policy: p.yaml\ncases:\n"+
		"  - {name: allowed, call: kv.get, args: {key: a}, expect: {decision: allow, rule: r}}\n"+
		"  - {name: would deny, call: kv.get, args: {key: b}, expect: {decision: audit-deny}}\n"+
		"  - {name: not plain allow, call: kv.get, args: {key: b}, expect: {decision: allow}}\n")
	r := runFile(t, filepath.Join(dir, "x_test.yaml"), suite.Options{})
	got := []bool{r.Cases[0].Passed(), r.Cases[1].Passed(), r.Cases[2].Passed()}
	if !cmp.Equal(got, []bool{true, true, false}) {
		t.Errorf("passed: got %v, want [true true false]; failures %q", got, r.Cases[2].Failures)
	}
	if want := "decision: want allow, got audit-deny"; len(r.Cases[2].Failures) != 1 || !strings.HasPrefix(r.Cases[2].Failures[0], want) {
		t.Errorf("failure %q, want it to start with %q", r.Cases[2].Failures, want)
	}
}

// TestCustomModules: an integrator's own module, unmocked, fails the case
// unless the suite is told it may run for real (Options.Live).
func TestCustomModules(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "p.yaml", "name: p\nrules:\n  - name: r\n    allow: [billing.charge]\n")
	write(t, dir, "s.js", "return host.billing.charge(input);\n")
	write(t, dir, "x_test.yaml", "script: s.js\npolicy: p.yaml\ncases:\n"+
		"  - {name: real, input: 5, expect: {value: 10, calls: [billing.charge]}}\n"+
		"  - name: mocked\n    input: 5\n    mocks: [{call: billing.charge, args: {cents: 5}, result: 1}]\n    expect: {value: 1}\n")
	charged := 0
	mods := func(store kv.Store) ([]*bridge.Module, error) {
		return []*bridge.Module{{Name: "billing", Funcs: []*bridge.Func{{
			Name:   "charge",
			Params: []bridge.Param{{Name: "cents", Type: bridge.Int}},
			Impl: func(_ context.Context, a bridge.Args) (any, error) {
				charged++
				return a.Int("cents") * 2, nil
			},
		}}}}, nil
	}
	r := runFile(t, filepath.Join(dir, "x_test.yaml"), suite.Options{Modules: mods})
	if r.Cases[0].Passed() || !strings.HasPrefix(r.Cases[0].Failures[0], "unmocked host call billing.charge({\"cents\":5})") || !r.Cases[1].Passed() || charged != 0 {
		t.Errorf("without Live: %+v, charged %d", r.Cases, charged)
	}
	r = runFile(t, filepath.Join(dir, "x_test.yaml"), suite.Options{Modules: mods, Live: []string{"billing"}})
	if !r.Cases[0].Passed() || !r.Cases[1].Passed() || charged != 1 {
		t.Errorf("with Live: %+v, charged %d", r.Cases, charged)
	}
}

// TestRealCoverage: with the backends' line hooks, the lines the example
// suites report as never run are those that cannot run (after an
// infinite loop), and every other example's lines all ran.
func TestRealCoverage(t *testing.T) {
	files, err := suite.Find("../scripts/examples")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]int{"infinite-loop.js": {17, 19}, "infinite-loop.lua": {15, 16}}
	n := 0
	for _, f := range files {
		if k, _ := suite.KindOf(f); k != suite.KindScript {
			continue
		}
		r := runFile(t, f, suite.Options{Coverage: true})
		c := r.Coverage
		if !c.Collected || c.CodeLines == 0 {
			t.Errorf("%s: coverage not collected (%d code lines)", f, c.CodeLines)
			continue
		}
		if !cmp.Equal(c.Unrun, want[c.Script], cmpopts.EquateEmpty()) {
			t.Errorf("%s: %s never ran: %v, want %v", f, c.Script, c.Unrun, want[c.Script])
		}
		n++
	}
	if n < 12 {
		t.Errorf("%d script suites checked, want at least 12", n)
	}
}
