package test262

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/engine/js"
)

// roots are the directories goja's TestTC39 runs, in its order.
var roots = []string{
	"test/language",
	"test/built-ins",
	"test/annexB/built-ins/String/prototype/substr",
	"test/annexB/built-ins/String/prototype/trimLeft",
	"test/annexB/built-ins/String/prototype/trimRight",
	"test/annexB/built-ins/escape",
	"test/annexB/built-ins/unescape",
	"test/annexB/built-ins/RegExp",
}

type meta struct {
	Negative struct{ Phase, Type string }
	Includes []string
	Flags    []string
	Features []string
	Es5id    string
}

func (m *meta) hasFlag(f string) bool {
	for _, x := range m.Flags {
		if x == f {
			return true
		}
	}
	return false
}

func parseTestFile(name string) (*meta, string, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, "", err
	}
	str := string(b)
	start := strings.Index(str, "/*---")
	end := strings.Index(str, "---*/")
	if start < 0 || end < 0 || end <= start+5 {
		return nil, "", errors.New("no frontmatter")
	}
	var m meta
	if err := yaml.Unmarshal([]byte(str[start+5:end]), &m); err != nil {
		return nil, "", err
	}
	if m.Negative.Type != "" && m.Negative.Phase == "" {
		return nil, "", errors.New("negative type is set, but phase isn't")
	}
	return &m, str, nil
}

// The classes of a file.
const (
	classBothPass = "both pass"
	classBothFail = "both fail"
	classHostFail = "upstream passes, host fails"
	classHostPass = "upstream fails, host passes"
	classSkipped  = "skipped"
)

// Categories of "upstream passes, host fails". The refused: ones are
// refusals by design (RATIONALE.md, "Language fidelity (test262)").
const (
	catHook     = "refused: $262 hook that needs Go (detachArrayBuffer, evalScript)"
	catWith     = "refused: with statement"
	catFuncBody = "refused: script is a function body (top-level var/this/return, directive placement)"
	catCodegen  = "refused: code generation from strings (eval, Function and their constructors)"
	// Neither a refusal by design nor a fault: the host deletes the
	// Function and eval bindings, and the test (or its harness, e.g.
	// propertyHelper.js's Function.prototype.call) names them without
	// generating code. It passes on the host when they are back as
	// functions that refuse to generate code.
	catBinding = "binding: names Function or eval without generating code (passes with refusing stubs)"
)

func refused(cat string) bool { return strings.HasPrefix(cat, "refused:") }

// fileResult is what the comparison found for one test262 file.
type fileResult struct {
	Path     string   `json:"path"`
	Class    string   `json:"class"`
	Skip     string   `json:"skip,omitempty"`
	Variant  string   `json:"variant,omitempty"` // the first variant the host failed
	Category string   `json:"category,omitempty"`
	Upstream *outcome `json:"upstream,omitempty"`
	Host     *outcome `json:"host,omitempty"`
	Mirror   *outcome `json:"mirror,omitempty"`        // host source as a function body on raw goja
	Locked   *outcome `json:"mirrorLocked,omitempty"`  // ... without eval and Function
	Stubbed  *outcome `json:"mirrorStubbed,omitempty"` // ... with refusing stubs for them
	HostStub *outcome `json:"hostStubbed,omitempty"`   // the host with the stubs`
}

type variant struct {
	name   string
	src    string
	strict bool
}

func variants(m *meta, src string) []variant {
	var vs []variant
	raw := m.hasFlag("raw")
	if raw || !m.hasFlag("onlyStrict") {
		vs = append(vs, variant{"non-strict", src, false})
	}
	if !raw && !m.hasFlag("noStrict") {
		vs = append(vs, variant{"strict", "'use strict';\n" + src, true})
	}
	return vs
}

// compareFile runs one file's variants on both engines and classifies it.
func compareFile(h *harness, host *engine.Host, x *exclusions, name string) fileResult {
	r := fileResult{Path: name, Class: classSkipped}
	if x.skipped(name) {
		r.Skip = "excluded by goja's runner"
		return r
	}
	m, src, err := parseTestFile(path.Join(h.dir, name))
	if err != nil {
		r.Skip = "cannot parse the frontmatter: " + err.Error()
		return r
	}
	if m.hasFlag("module") {
		r.Skip = "module"
		return r
	}
	if m.Es5id == "" {
		for _, f := range m.Features {
			if x.features[f] {
				r.Skip = "excluded feature " + f
				return r
			}
		}
	}
	upPass, hostPass := true, true
	var firstHost *outcome
	var firstUp *outcome
	var failed variant
	var failedCode, failedSrc string
	for _, v := range variants(m, src) {
		up := runUpstream(h, name, v.src, m)
		if up.Skip {
			r.Skip = "IgnorableTestError (upstream)"
			return r
		}
		code, err := hostSource(h, src, m, v.strict, false)
		if err != nil {
			r.Skip = "harness: " + err.Error()
			return r
		}
		ho := runHost(host, code, m)
		if ho.Skip {
			r.Skip = "IgnorableTestError (host)"
			return r
		}
		if !up.Pass && firstUp == nil {
			upPass = false
			u := up
			firstUp = &u
		}
		if !ho.Pass && firstHost == nil {
			hostPass = false
			o := ho
			firstHost = &o
			failed, failedCode, failedSrc = v, code, src
		}
	}
	r.Upstream, r.Host = firstUp, firstHost
	switch {
	case upPass && hostPass:
		r.Class = classBothPass
	case !upPass && !hostPass:
		r.Class = classBothFail
	case !upPass:
		r.Class = classHostPass
	default:
		r.Class = classHostFail
		r.Variant = failed.name
		r.Category = categorise(&r, h, host, failed, failedSrc, failedCode, m)
	}
	return r
}

// lengthWrong matches propertyHelper.js's and assert's messages about a
// function's length property.
var lengthWrong = regexp.MustCompile(`length\b.*(«0»|should be \d|Actual: 0)|«0».*\.length`)

var (
	// funcUseStrict finds a "use strict" directive at the start of a
	// function body (after comments and other directives).
	funcUseStrict = regexp.MustCompile(`[{)]\s*((//[^\n]*\n|/\*[\s\S]*?\*/|"[^"\n]*"\s*;?|'[^'\n]*'\s*;?)\s*)*["']use strict["']`)
	// conversions matches tests that log or count the conversions a
	// built-in makes.
	conversions = regexp.MustCompile(`valueOf:|toString:|@@toPrimitive is called|ToString should not be called`)
	// aliasIdentity matches two built-ins that print the same and are not
	// the same function (String.prototype.trimLeft and trimStart).
	aliasIdentity = regexp.MustCompile(`SameValue\(«function (\w+)\(\) \{ \[native code\] \}», «function (\w+)\(\) \{ \[native code\] \}»\)`)
)

// categorise tells a refusal by design from a host fault, for a file
// upstream passes and the host fails (in variant v, whose host source is
// code).
func categorise(r *fileResult, h *harness, host *engine.Host, v variant, src, code string, m *meta) string {
	ho := r.Host
	for _, l := range ho.Logs {
		if strings.HasPrefix(l, hookMarker) {
			return catHook
		}
	}
	if ho.Kind == string(engine.KindCompile) && strings.Contains(ho.Err, "with statement is not allowed") {
		return catWith
	}
	mirror := runMirror(code, m, false)
	r.Mirror = &mirror
	if !mirror.Pass {
		return catFuncBody
	}
	locked := runMirror(code, m, true)
	r.Locked = &locked
	if !locked.Pass {
		// Without eval and Function the test fails even as a plain
		// function body: does it generate code, or only name them?
		stubCode, err := hostSource(h, src, m, v.strict, true)
		if err != nil {
			return "fault: harness: " + err.Error()
		}
		stubbed := runMirror(stubCode, m, true)
		r.Stubbed = &stubbed
		if !stubbed.Pass {
			return catCodegen
		}
		hs := runHost(host, stubCode, m)
		if hs.Pass {
			return catBinding
		}
		// The host fails with the bindings back too: a fault that
		// the missing binding was hiding.
		r.HostStub = &hs
		ho = &hs
	}
	// A host fault.
	for _, l := range ho.Logs {
		if l == strictLostMarker {
			return "fault: strict mode lost (\"use strict\" first in the script)"
		}
	}
	switch {
	case ho.Kind == string(engine.KindInternal):
		return "fault: internal error"
	case ho.Kind == string(engine.KindLimit):
		return "fault: limit reached"
	case funcUseStrict.MatchString(src):
		return "fault: strict mode lost? (the test has a function with \"use strict\")"
	case ho.Kind == "accepted":
		return "fault: invalid syntax accepted (" + m.Negative.Type + " expected)"
	case ho.Kind == "none":
		return "fault: expected runtime error not thrown"
	case lengthWrong.MatchString(ho.Err):
		return "fault: wrong length of a built-in"
	case conversions.MatchString(ho.Err):
		return "fault: extra observable conversions"
	case aliasIdentity.MatchString(ho.Err):
		return "fault: built-in aliases are different functions"
	}
	return "fault: other"
}

func TestHostComparison(t *testing.T) {
	dir := os.Getenv("SCRIPTRUN_TEST262")
	if dir == "" {
		t.Skip("SCRIPTRUN_TEST262 is not set: set it to a tc39/test262 checkout (scripts/test262 does) to compare the host with upstream goja")
	}
	if _, err := os.Stat(filepath.Join(dir, "harness", "assert.js")); err != nil {
		t.Fatalf("SCRIPTRUN_TEST262=%s is not a test262 checkout: %v", dir, err)
	}
	x, err := loadExclusions(gojaRunner)
	if err != nil {
		t.Fatal(err)
	}
	jobs := runtime.GOMAXPROCS(0)
	if s := os.Getenv("SCRIPTRUN_TEST262_JOBS"); s != "" {
		if jobs, err = strconv.Atoi(s); err != nil || jobs < 1 {
			t.Fatalf("SCRIPTRUN_TEST262_JOBS=%q: want a positive number", s)
		}
	}
	filter := os.Getenv("SCRIPTRUN_TEST262_FILTER")
	var names []string
	for _, root := range roots {
		names = append(names, listTests(t, dir, root, filter)...)
	}
	if len(names) == 0 {
		t.Fatalf("no test262 files under %s match %q", dir, filter)
	}

	host, err := engine.NewHost(engine.Config{Backends: []engine.Backend{js.New()}, Budget: budget, MaxNesting: 4096})
	if err != nil {
		t.Fatal(err)
	}
	defer host.Close()
	h := newHarness(dir)

	start := time.Now()
	results := make([]fileResult, len(names))
	var next, done atomic.Int64
	var wg sync.WaitGroup
	for range jobs {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(names) {
					return
				}
				results[i] = compareFile(h, host, x, names[i])
				if n := done.Add(1); n%2000 == 0 {
					fmt.Fprintf(os.Stderr, "test262: %d/%d files, %s\n", n, len(names), time.Since(start).Round(time.Second))
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)

	rep := summarise(results, elapsed, jobs, filter)
	out := os.Getenv("SCRIPTRUN_TEST262_REPORT")
	if out == "" {
		out = filepath.Join(os.TempDir(), "scriptrun-test262.json")
	}
	if err := writeReport(out, rep); err != nil {
		t.Fatal(err)
	}
	txt := strings.TrimSuffix(out, ".json") + ".txt"
	var b strings.Builder
	printSummary(&b, rep)
	fmt.Fprintf(&b, "report: %s (all files not passing on both), %s (this summary)\n", out, txt)
	if err := os.WriteFile(txt, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	fmt.Print(b.String())
	if rep.Faults > 0 {
		t.Errorf("%d test262 files pass on upstream goja and fail on the host for reasons other than a refusal by design (see %s)", rep.Faults, txt)
	}
}

func listTests(t *testing.T, dir, name, filter string) []string {
	entries, err := os.ReadDir(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		n := e.Name()
		if n[0] == '.' {
			continue
		}
		p := path.Join(name, n)
		if e.IsDir() {
			if filter == "" || strings.HasPrefix(p, filter) || strings.HasPrefix(filter, p+"/") {
				out = append(out, listTests(t, dir, p, filter)...)
			}
			continue
		}
		if strings.HasSuffix(n, ".js") && !strings.HasSuffix(n, "_FIXTURE.js") && strings.HasPrefix(p, filter) {
			out = append(out, p)
		}
	}
	return out
}

// report is the comparison's outcome, written as JSON.
type report struct {
	Filter     string         `json:"filter,omitempty"`
	Seconds    float64        `json:"seconds"`
	Jobs       int            `json:"jobs"`
	Files      int            `json:"files"`      // test files under goja's roots
	Considered int            `json:"considered"` // files not skipped
	Classes    map[string]int `json:"classes"`
	Skips      map[string]int `json:"skips"`
	Categories map[string]int `json:"categories"` // of "upstream passes, host fails"
	Refused    int            `json:"refused"`
	Binding    int            `json:"binding"`
	Faults     int            `json:"faults"`
	Results    []fileResult   `json:"results"` // every file not passing on both, and not skipped
}

func summarise(results []fileResult, elapsed time.Duration, jobs int, filter string) *report {
	rep := &report{Filter: filter, Seconds: elapsed.Seconds(), Jobs: jobs, Files: len(results),
		Classes: map[string]int{}, Skips: map[string]int{}, Categories: map[string]int{}}
	for _, r := range results {
		rep.Classes[r.Class]++
		switch r.Class {
		case classSkipped:
			s := r.Skip
			if strings.HasPrefix(s, "excluded feature ") {
				s = "excluded feature"
			}
			if strings.HasPrefix(s, "cannot parse") || strings.HasPrefix(s, "harness:") {
				s = "cannot read the test or its harness"
			}
			rep.Skips[s]++
			continue
		case classBothPass:
			rep.Considered++
			continue
		case classHostFail:
			rep.Categories[r.Category]++
			switch {
			case refused(r.Category):
				rep.Refused++
			case r.Category == catBinding:
				rep.Binding++
			default:
				rep.Faults++
			}
		}
		rep.Considered++
		rep.Results = append(rep.Results, r)
	}
	return rep
}

func writeReport(file string, rep *report) error {
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(file, b, 0o644)
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	return keys
}

// examples is how many files each category shows in the summary.
const examples = 4

func printSummary(w io.Writer, rep *report) {
	fmt.Fprintf(w, "test262 host comparison: %d files under goja's roots", rep.Files)
	if rep.Filter != "" {
		fmt.Fprintf(w, " starting with %s", rep.Filter)
	}
	fmt.Fprintf(w, ", %d considered, %s with %d workers\n", rep.Considered, time.Duration(rep.Seconds*float64(time.Second)).Round(time.Second), rep.Jobs)
	for _, c := range []string{classBothPass, classBothFail, classHostFail, classHostPass} {
		fmt.Fprintf(w, "  %-30s %6d\n", c, rep.Classes[c])
	}
	fmt.Fprintf(w, "skipped %d:", rep.Classes[classSkipped])
	for _, k := range sortedKeys(rep.Skips) {
		fmt.Fprintf(w, " %s %d;", k, rep.Skips[k])
	}
	fmt.Fprintf(w, "\n%s: %d refused by design, %d only name Function/eval, %d host faults\n", classHostFail, rep.Refused, rep.Binding, rep.Faults)
	for _, k := range sortedKeys(rep.Categories) {
		fmt.Fprintf(w, "  %5d  %s\n", rep.Categories[k], k)
		n := 0
		for _, r := range rep.Results {
			if r.Category != k || n == examples {
				continue
			}
			n++
			msg := r.Host.Err
			if r.HostStub != nil {
				msg = "with stubs: " + r.HostStub.Err
			}
			if len(msg) > 160 {
				msg = msg[:160] + "..."
			}
			fmt.Fprintf(w, "           %s [%s]: %s\n", r.Path, r.Variant, strings.ReplaceAll(msg, "\n", " "))
		}
	}
	var hp []fileResult
	for _, r := range rep.Results {
		if r.Class == classHostPass {
			hp = append(hp, r)
		}
	}
	if len(hp) > 0 {
		fmt.Fprintf(w, "%s (first %d):\n", classHostPass, min(len(hp), examples))
		for _, r := range hp[:min(len(hp), examples)] {
			fmt.Fprintf(w, "           %s: upstream: %s\n", r.Path, strings.ReplaceAll(r.Upstream.Err, "\n", " "))
		}
	}
}
