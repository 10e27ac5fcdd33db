package enginetest

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/limits"
	"github.com/scriptrun/scriptrun/loc"
)

var update = flag.Bool("update", false, "rewrite the conformance table in README.md between its markers")

// TestTableUpToDate checks the README's backend x topic table against the
// suite. go test ./engine/enginetest -run TestTableUpToDate -update
// rewrites it.
func TestTableUpToDate(t *testing.T) {
	dir, err := Dir()
	if err != nil {
		t.Fatal(err)
	}
	table, err := Table(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("conformance table:\n%s\n%s%s", tableStart, table, tableEnd)
	readme := filepath.Join(dir, "..", "..", "README.md")
	got, ok, err := readmeTable(readme)
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		t.Skipf("%s has no %s ... %s markers yet: add them where the table goes, then run with -update (the table is in the log above)", readme, tableStart, tableEnd)
	}
	if *update {
		if err := writeReadmeTable(readme, table); err != nil {
			t.Fatal(err)
		}
		return
	}
	if diff := cmp.Diff(strings.TrimSpace(table), got); diff != "" {
		t.Errorf("the conformance table in %s is out of date (-generated +README); run\n\tgo test ./engine/enginetest -run TestTableUpToDate -update\n%s", readme, diff)
	}
}

// The suite's own files parse: every chunk has a name and an expectation,
// SKIP names only what exists and twins have the same chunk names.
func TestSuiteParses(t *testing.T) {
	dir, err := Dir()
	if err != nil {
		t.Fatal(err)
	}
	s, err := load(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, topic := range s.topics {
		var names []string
		for _, l := range Langs {
			tw := s.twins[topic][l]
			if tw == nil {
				if _, ok := s.skipped(topic, 0, l); !ok {
					t.Errorf("%s: no %s twin and no SKIP entry", topic, l)
				}
				continue
			}
			for _, c := range tw.chunks {
				if c.err != nil {
					t.Errorf("%s chunk %d (line %d): %v", tw.file, c.index, c.line, c.err)
				}
			}
			if names == nil {
				names = tw.names()
			} else if diff := cmp.Diff(names, tw.names()); diff != "" {
				t.Errorf("%s: chunk names differ between twins:\n%s", topic, diff)
			}
		}
	}
}

func TestParseTwin(t *testing.T) {
	src := `// header comment
// @name first
// @input {"a": [1, 2.5, "x", null]}
// @budget steps=100 timeout=50ms hostCalls=3
// @seed 7
// @now 2000-01-01T00:00:00Z
// @tenant acme
// @runs 2
// @policy strict
return input
// ### ok {"a": [1, 2.5, "x", null]}
// ### logs ["a", "b"]
// ---
// @name second
throw new Error("x")
// ### error runtime "x" at "t.js:15"
// ---
// @name third
let x = ;
// ### compile "t.js:19"
`
	chunks, err := parseTwin(src, "js")
	if err != nil {
		t.Fatal(err)
	}
	if len(chunks) != 3 {
		t.Fatalf("got %d chunks, want 3", len(chunks))
	}
	for _, c := range chunks {
		if c.err != nil {
			t.Errorf("chunk %d: %v", c.index, c.err)
		}
	}
	c := chunks[0]
	want := options{name: "first", input: map[string]any{"a": []any{int64(1), 2.5, "x", nil}}, hasInput: true,
		policy: "strict", budget: limits.Budget{Steps: 100, Timeout: 50 * time.Millisecond, HostCalls: 3},
		seed: 7, now: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), tenant: "acme", runs: 2}
	if diff := cmp.Diff(want, c.opts, cmp.AllowUnexported(options{})); diff != "" {
		t.Errorf("options (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"a", "b"}, c.expect.logs); diff != "" || c.expect.kind != "ok" {
		t.Errorf("chunk 1 expectation %+v", c.expect)
	}
	if chunks[1].line != 14 || chunks[2].line != 18 {
		t.Errorf("chunk lines %d, %d; want 14, 18", chunks[1].line, chunks[2].line)
	}
	// Positions inside a chunk are file positions.
	if got := strings.Count(chunks[2].code[:strings.Index(chunks[2].code, "let x")], "\n") + 1; got != 19 {
		t.Errorf("line of 'let x' in chunk 3's code = %d, want 19", got)
	}
	x := chunks[1].expect
	if x.kind != "runtime" || x.message != "x" || x.pos != "t.js:15" || x.line != 16 {
		t.Errorf("chunk 2 expectation = %+v", x)
	}
	if x := chunks[2].expect; x.kind != "compile" || x.pos != "t.js:19" {
		t.Errorf("chunk 3 expectation = %+v", x)
	}
}

func TestParseTwinLua(t *testing.T) {
	chunks, err := parseTwin("-- @name a\nreturn 1\n-- ### ok 1\n-- ---\n-- @name b\n-- ### denied \"kv.get\" rule \"r\" \"text\" at \"t.lua:6\"\nhost.kv.get('k')", "lua")
	if err != nil {
		t.Fatal(err)
	}
	if len(chunks) != 2 || chunks[0].err != nil || chunks[1].err != nil {
		t.Fatalf("chunks: %d, errors %v, %v", len(chunks), chunks[0].err, chunks[1].err)
	}
	x := chunks[1].expect
	if x.kind != "denied" || x.capability != "kv.get" || !x.hasRule || x.rule != "r" || x.message != "text" || x.pos != "t.lua:6" {
		t.Errorf("expectation = %+v", x)
	}
}

// Options and expectations are parsed strictly.
func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"return 1\n// ### ok 1", "no @name"},
		{"// @name a\nreturn 1", "no ### expectation"},
		{"// @name a\nreturn 1 // ### ok 1", "no ### expectation"},
		{"// @name a\n// @colour red\n// ### ok 1", "unknown option"},
		{"// @name a\n// @name b\n// ### ok 1", "given twice"},
		{"// @name a\nreturn 1\n// @input 1\n// ### ok 1", "after code"},
		{"// @name a\n// @input {bad}\n// ### ok 1", "bad JSON"},
		{"// @name a\n// @input 1 2\n// ### ok 1", "text after the value"},
		{"// @name a\n// @budget steps=-1\n// ### ok 1", "positive integer"},
		{"// @name a\n// @budget stepz=1\n// ### ok 1", "unknown budget field"},
		{"// @name a\n// @budget timeout=1\n// ### ok 1", "positive duration"},
		{"// @name a\n// @runs 0\n// ### ok 1", "want 1..100"},
		{"// @name a\n// @seed 0\n// ### ok 1", "seed 0"},
		{"// @name a\n// @now yesterday\n// ### ok 1", "@now"},
		{"// @name a\n// @policy ../x\n// ### ok 1", "policy name"},
		{"// @name a\n// ### ok 1\n// ### ok 2", "second result expectation"},
		{"// @name a\n// ### ok", "bare ### ok needs @runs"},
		{"// @name a\n// ### okay", "unknown expectation"},
		{"// @name a\n// ### error bogus", "unknown error kind"},
		{"// @name a\n// ### error limit", "use ### limit"},
		{"// @name a\n// ### limit steps", "want limit"},
		{"// @name a\n// ### limit \"stepz\"", "unknown limit"},
		{"// @name a\n// ### limit \"steps\" \"text\"", "unexpected"},
		{"// @name a\n// ### denied kv.get", "want denied"},
		{"// @name a\n// ### error runtime \"x\" extra", "unexpected"},
		{"// @name a\n// ### compile t.js:1", "want compile"},
		{"// @name a\n// ### ok 1\n// ### logs [1]", "### logs"},
		{"// @name a\n// ### compile\n// ### logs []", "nothing runs"},
	} {
		chunks, err := parseTwin(tc.src, "js")
		if err != nil {
			t.Errorf("%q: %v", tc.src, err)
			continue
		}
		if chunks[0].err == nil || !strings.Contains(chunks[0].err.Error(), tc.want) {
			t.Errorf("%q: error %v, want one containing %q", tc.src, chunks[0].err, tc.want)
		}
	}
	chunks, _ := parseTwin("// @name a\n// ### ok 1\n// ---\n// @name a\n// ### ok 1", "js")
	if chunks[1].err == nil || !strings.Contains(chunks[1].err.Error(), "already used") {
		t.Errorf("duplicate chunk name: %v", chunks[1].err)
	}
}

// The matcher: a wrong expectation must fail, a right one pass.
func TestCheck(t *testing.T) {
	ok := func(v any, logs ...string) *engine.Result {
		r := &engine.Result{Value: v}
		for _, l := range logs {
			r.Logs = append(r.Logs, engine.LogLine{Level: "info", Message: l})
		}
		return r
	}
	runtimeErr := &engine.Error{Kind: engine.KindRuntime, Message: "uncaught Error: boom", Pos: loc.Pos{File: "e.js", Line: 12, Col: 5}}
	luaErr := &engine.Error{Kind: engine.KindRuntime, Message: "boom", Pos: loc.Pos{File: "e.lua", Line: 12}}
	limitErr := &engine.Error{Kind: engine.KindLimit, Limit: limits.Steps, Message: "limit exceeded: steps (10)", Pos: loc.Pos{File: "l.js", Line: 3, Col: 1}}
	denied := &engine.Error{Kind: engine.KindDenied, Capability: "kv.get", Rule: "no-kv", Message: "call to kv.get denied by rule no-kv: nope"}
	deniedNoRule := &engine.Error{Kind: engine.KindDenied, Capability: "kv.get", Message: "call to kv.get denied: no rule allows it"}
	compileErr := &engine.Error{Kind: engine.KindCompile, Message: "Unexpected token", Pos: loc.Pos{File: "c.js", Line: 18, Col: 9}}
	assertErr := &engine.Error{Kind: engine.KindHost, Capability: "assert.eq", Message: "assert.eq: sum: got 3, want 4", Pos: loc.Pos{File: "v.js", Line: 7, Col: 13}}
	for _, tc := range []struct {
		exp  string
		res  *engine.Result
		err  error
		pass bool
	}{
		{"ok 1", ok(int64(1)), nil, true},
		{"ok 1.0", ok(int64(1)), nil, true},
		{"ok 1", ok(1.5), nil, false},
		{"ok 9007199254740993", ok(float64(9007199254740992)), nil, true},
		{`ok {"a": [1, "x", null, true]}`, ok(map[string]any{"a": []any{int64(1), "x", nil, true}}), nil, true},
		{`ok {"a": [1, "x", null, true]}`, ok(map[string]any{"a": []any{int64(1), "x", true}}), nil, false},
		{`ok {"a": 1}`, ok(map[string]any{"a": int64(1), "b": int64(2)}), nil, false},
		{`ok []`, ok(map[string]any{}), nil, false},
		{`ok {}`, ok([]any{}), nil, false},
		{`ok "hi"`, ok([]byte("hi")), nil, true},
		{`ok null`, ok(nil), nil, true},
		{`ok null`, ok(false), nil, false},
		{"ok 1", nil, runtimeErr, false},
		{"ok 1", nil, assertErr, false},
		{`error runtime`, nil, runtimeErr, true},
		{`error runtime "boom"`, nil, runtimeErr, true},
		{`error runtime "bang"`, nil, runtimeErr, false},
		{`error host "boom"`, nil, runtimeErr, false},
		{`error runtime "boom" at "e.js:12"`, nil, runtimeErr, true},
		{`error runtime "boom" at "e.js:12:5"`, nil, runtimeErr, true},
		{`error runtime "boom" at "e.js:1"`, nil, runtimeErr, false},
		{`error runtime "boom" at "e.js:12:50"`, nil, runtimeErr, false},
		{`error runtime "boom" at "e.lua:12"`, nil, luaErr, true},
		{`error runtime "boom" at "e.lua:1"`, nil, luaErr, false},
		{`error runtime`, ok(int64(1)), nil, false},
		{`limit "steps"`, nil, limitErr, true},
		{`limit "timeout"`, nil, limitErr, false},
		{`limit "steps" at "l.js:3"`, nil, limitErr, true},
		{`limit "steps"`, nil, runtimeErr, false},
		{`denied "kv.get"`, nil, denied, true},
		{`denied "kv.set"`, nil, denied, false},
		{`denied "kv.get" rule "no-kv"`, nil, denied, true},
		{`denied "kv.get" rule "other"`, nil, denied, false},
		{`denied "kv.get" rule ""`, nil, deniedNoRule, true},
		{`denied "kv.get" rule ""`, nil, denied, false},
		{`denied "kv.get" "nope"`, nil, denied, true},
		{`denied "kv.get" "yes"`, nil, denied, false},
		{`compile`, nil, compileErr, true},
		{`compile "c.js:18"`, nil, compileErr, true},
		{`compile "c.js:17"`, nil, compileErr, false},
		{`compile`, ok(nil), nil, false},
		{`compile`, nil, runtimeErr, false},
	} {
		var x expectation
		if err := x.parse(tc.exp); err != nil {
			t.Errorf("%s: %v", tc.exp, err)
			continue
		}
		if tc.exp == "ok" {
			x.anyValue = true
		}
		err := x.check(tc.res, nil, tc.err)
		if (err == nil) != tc.pass {
			t.Errorf("### %s against %v/%v: check = %v, want pass %v", tc.exp, tc.res, tc.err, err, tc.pass)
		}
	}
	// A non-engine error never matches.
	var x expectation
	_ = x.parse("error runtime")
	if err := x.check(nil, nil, errors.New("plain")); err == nil {
		t.Errorf("a plain error matched ### error runtime")
	}
	// Logs.
	_ = x.parse("ok 1")
	x.logs, x.hasLogs = []string{"a", "b"}, true
	if err := x.check(ok(int64(1), "a", "b"), nil, nil); err != nil {
		t.Errorf("logs a, b: %v", err)
	}
	if err := x.check(ok(int64(1), "a"), nil, nil); err == nil {
		t.Errorf("logs: missing line passed")
	}
	x.logs = []string{}
	if err := x.check(ok(int64(1)), nil, nil); err != nil {
		t.Errorf("logs []: %v", err)
	}
	// Coverage: exactly the marked lines, whatever the outcome.
	_ = x.parse("ok 1")
	x.hasLogs = false
	x.covered, x.hasCovered = []int{2, 5}, true
	for _, c := range []struct {
		lines []int
		pass  bool
	}{{[]int{5, 2}, true}, {[]int{2}, false}, {[]int{2, 5, 7}, false}, {nil, false}} {
		cov := &engine.Coverage{Lines: map[int]bool{}}
		for _, l := range c.lines {
			cov.Lines[l] = true
		}
		if err := x.check(ok(int64(1)), cov, nil); (err == nil) != c.pass {
			t.Errorf("covered %v against marked [2 5]: check = %v, want pass %v", c.lines, err, c.pass)
		}
	}
	x.covered, x.hasCovered = nil, false
	// An assertion failure reads as one.
	_ = x.parse("ok 1")
	x.hasLogs = false
	if err := x.check(nil, nil, assertErr); err == nil || !strings.Contains(err.Error(), "ASSERTION FAILED at v.js:7:13: assert.eq: sum: got 3, want 4") {
		t.Errorf("assertion failure reported as %v", err)
	}
}

func TestSkipAndTable(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a.js", "// @name one\n// ### ok 1\nreturn 1\n// ---\n// @name two\n// ### ok 2\nreturn 2")
	write("a.lua", "-- @name one\n-- ### ok 1\nreturn 1\n-- ---\n-- @name two\n-- ### ok 2\nreturn 2")
	write("b.js", "// @name one\n// ### ok 1\nreturn 1")
	write("c.lua", "-- @name one\n-- ### ok 1\nreturn 1")
	write("SKIP", "# comment\n\nb lua no Lua twin yet | really\na#2 js  a reason\n")
	table, err := Table(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := "| topic | chunks | js | lua |\n|---|---:|---|---|\n" +
		"| a | 2 | ✓ except #2 two: a reason | ✓ |\n" +
		"| b | 1 | ✓ | skipped: no Lua twin yet \\| really |\n" +
		"| c | 1 | ✗ no twin, no reason in SKIP | ✓ |\n"
	if diff := cmp.Diff(want, table); diff != "" {
		t.Errorf("table (-want +got):\n%s", diff)
	}
	for _, bad := range []string{"zz js x", "a#3 js x", "a rust x", "a js", "a#x js y", "a js x\na js y"} {
		write("SKIP", bad)
		if _, err := load(dir); err == nil {
			t.Errorf("SKIP %q: no error", bad)
		}
	}
}

func TestReadme(t *testing.T) {
	path := filepath.Join(t.TempDir(), "README.md")
	if _, ok, err := readmeTable(path); ok || err != nil {
		t.Fatalf("missing file: ok %v, err %v", ok, err)
	}
	if err := os.WriteFile(path, []byte("# x\n\n"+tableStart+"\nold\n"+tableEnd+"\n\nafter\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := writeReadmeTable(path, "| new |\n"); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if want := "# x\n\n" + tableStart + "\n| new |\n" + tableEnd + "\n\nafter\n"; string(data) != want {
		t.Errorf("README after update:\n%s\nwant:\n%s", data, want)
	}
	got, ok, err := readmeTable(path)
	if !ok || err != nil || got != "| new |" {
		t.Errorf("readmeTable = %q, %v, %v", got, ok, err)
	}
}
