package hostile_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scriptrun/scriptrun/bridge"
	"github.com/scriptrun/scriptrun/bridge/crypto"
	"github.com/scriptrun/scriptrun/bridge/kv"
	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/engine/js"
	"github.com/scriptrun/scriptrun/engine/lua"
	"github.com/scriptrun/scriptrun/engine/worker"
	"github.com/scriptrun/scriptrun/limits"
	"github.com/scriptrun/scriptrun/policy"
)

// The subprocess of one case.
const (
	envCase = "SCRIPTRUN_HOSTILE_CASE" // set in the subprocess: the case to run
	// envIsolation selects the host's isolation mode: "process" runs every
	// case in a worker process (the subprocess is then the parent).
	envIsolation = "SCRIPTRUN_HOSTILE_ISOLATION"
	marker       = "HOSTILE-REPORT " // prefix of the report lines on its stdout

	// childAddressSpace is the subprocess's RLIMIT_AS: an allocation that
	// would take the machine down fails in the subprocess instead (as Go's
	// fatal "out of memory", a failure of that case).
	childAddressSpace = 4 << 30
	// childMemLimit is the subprocess's GOMEMLIMIT; the host's heap ceiling
	// (the backstop that stops every run) is 90% of it.
	childMemLimit = 1 << 30

	// Kill a subprocess this long after its case's bound; a case listed in
	// KNOWN_FAILURES (which may hang) gets the shorter grace.
	killGrace      = 10 * time.Second
	knownKillGrace = 3 * time.Second

	// After the run, the subprocess idles this long; if it burns more than
	// idleCPUMax of CPU meanwhile, work the run started is still going.
	idleWindow = 300 * time.Millisecond
	idleCPUMax = 200 * time.Millisecond
)

// report is what the subprocess prints: one line after the run (phase
// "run"), one after the health checks (phase "after").
type report struct {
	Phase      string          `json:"phase"`
	Kind       string          `json:"kind,omitempty"` // "" for ok
	Limit      string          `json:"limit,omitempty"`
	Capability string          `json:"capability,omitempty"`
	Message    string          `json:"message,omitempty"`
	Ceiling    bool            `json:"ceiling,omitempty"` // memory limit from the process heap ceiling
	Value      json.RawMessage `json:"value,omitempty"`
	WallMs     int64           `json:"wallMs,omitempty"`
	Trivial    string          `json:"trivial,omitempty"` // what went wrong with `return 1+1`
	IdleCPUMs  int64           `json:"idleCpuMs,omitempty"`
}

func TestMain(m *testing.M) {
	// In process mode the case's subprocess starts this binary again as
	// its worker.
	worker.Main(js.New(), lua.New())
	if name := os.Getenv(envCase); name != "" {
		os.Exit(child(name))
	}
	os.Exit(m.Run())
}

// isolation is the mode the suite runs in, from SCRIPTRUN_HOSTILE_ISOLATION.
func isolation() (engine.Isolation, error) {
	switch v := os.Getenv(envIsolation); v {
	case "", "inprocess":
		return engine.InProcess, nil
	case "process":
		return engine.Process, nil
	default:
		return 0, fmt.Errorf("%s=%q: want inprocess or process", envIsolation, v)
	}
}

func newHost(iso engine.Isolation) (*engine.Host, error) {
	return engine.NewHost(engine.Config{
		Backends:  []engine.Backend{js.New(), lua.New()},
		Modules:   []*bridge.Module{kv.Module(kv.NewMemory()), crypto.Module(rand.Reader)},
		Isolation: iso,
		Workers:   engine.WorkerConfig{Size: 1},
	})
}

// child runs one case in this process and prints its reports.
func child(name string) int {
	if err := limitAddressSpace(childAddressSpace); err != nil {
		fmt.Fprintln(os.Stderr, "hostile: rlimit:", err)
		return 2
	}
	debug.SetMemoryLimit(childMemLimit)
	c, err := loadCase(name)
	if err != nil {
		fmt.Fprintln(os.Stderr, "hostile:", err)
		return 2
	}
	var host *engine.Host
	iso, err := isolation()
	if err == nil {
		host, err = newHost(iso)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "hostile:", err)
		return 2
	}
	opts := engine.RunOptions{Budget: c.budget, Input: c.input}
	if c.policy != "" {
		file := filepath.Join(root, c.policy)
		data, err := os.ReadFile(file)
		if err == nil {
			opts.Policy, err = policy.Parse(c.policy, data, policy.Options{})
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "hostile:", err)
			return 2
		}
	}

	start := time.Now()
	var res *engine.Result
	s, err := host.Compile(engine.Source{Name: filepath.Base(c.path), Lang: c.lang, Code: c.code})
	if err == nil {
		res, err = host.Run(context.Background(), s, opts)
	}
	r := report{Phase: "run", WallMs: time.Since(start).Milliseconds()}
	if err != nil {
		var e *engine.Error
		if !errors.As(err, &e) {
			e = &engine.Error{Kind: "not an *engine.Error", Message: err.Error()}
		}
		r.Kind, r.Limit, r.Capability, r.Message = string(e.Kind), e.Limit, e.Capability, e.Message
		if e.Kind == engine.KindInternal && e.Err != nil {
			r.Message += ": " + firstLine(e.Err.Error())
		}
		var le *limits.ExceededError
		r.Ceiling = errors.As(err, &le) && le.Limit == limits.Memory && le.Process
	} else {
		r.Value, _ = json.Marshal(res.Value)
	}
	emit(r)

	// The same host must still answer a trivial script...
	a := report{Phase: "after"}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	triv, err := host.Compile(engine.Source{Name: "trivial." + c.lang, Lang: c.lang, Code: "return 1+1"})
	if err == nil {
		res, err = host.Run(ctx, triv, engine.RunOptions{})
	}
	switch {
	case err != nil:
		a.Trivial = "`return 1+1` failed: " + err.Error()
	case res.Value != int64(2):
		a.Trivial = fmt.Sprintf("`return 1+1` returned %#v, want 2", res.Value)
	}
	// ...and a fresh run must see untouched built-ins and host objects
	// (tampering must not leak from one run into the next).
	if a.Trivial == "" {
		p := probes[c.lang]
		probe, err := host.Compile(engine.Source{Name: "probe." + c.lang, Lang: c.lang, Code: p.code})
		if err == nil {
			res, err = host.Run(ctx, probe, engine.RunOptions{})
		}
		if err != nil {
			a.Trivial = "the library probe failed: " + err.Error()
		} else if got, _ := json.Marshal(res.Value); string(got) != p.want {
			a.Trivial = fmt.Sprintf("the library probe returned %s, want %s", got, p.want)
		}
	}
	// ...and nothing the run started may still be running.
	runtime.GC()
	before := processCPU()
	time.Sleep(idleWindow)
	a.IdleCPUMs = (processCPU() - before).Milliseconds()
	emit(a)
	return 0
}

// probes look at built-ins and host objects that tamper cases change.
var probes = map[string]struct{ code, want string }{
	"js": {`return [typeof Array.prototype.join, String([1, 2]), "ab".toUpperCase(), JSON.stringify({a: [1]}),
		typeof host.kv.get, Object.isFrozen(Object.prototype),
		(() => { try { return typeof globalThis.eval("1") } catch (e) { return e.name } })(), [, 1][0] === undefined]`,
		`["function","1,2","AB","{\"a\":[1]}","function",false,"TypeError",true]`},
	"lua": {`return {("ab"):upper(), tostring(12), type(host.kv.get), string.format("%d", 3),
		type(getmetatable("").__index), type(print), getmetatable(_G) == nil, type(load)}`,
		`["AB","12","function","3","table","function",true,"nil"]`},
}

func emit(r report) {
	b, _ := json.Marshal(r)
	fmt.Fprintf(os.Stdout, "%s%s\n", marker, b)
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// TestCases checks every case's header and KNOWN_FAILURES without running
// anything.
func TestCases(t *testing.T) {
	names, err := caseNames()
	if err != nil {
		t.Fatal(err)
	}
	perLang := map[string]int{}
	for _, n := range names {
		c, err := loadCase(n)
		if err != nil {
			t.Error(err)
			continue
		}
		perLang[c.lang]++
	}
	if perLang["js"] < 60 || perLang["lua"] < 55 {
		t.Errorf("cases: %v; the suite wants at least 60 JS and 55 Lua cases", perLang)
	}
	known, err := knownFailures(engine.InProcess)
	if err != nil {
		t.Fatal(err)
	}
	knownProc, err := knownFailures(engine.Process)
	if err != nil {
		t.Fatal(err)
	}
	maps.Copy(known, knownProc)
	have := map[string]bool{}
	for _, n := range names {
		have[n] = true
	}
	for n := range known {
		if !have[n] {
			t.Errorf("KNOWN_FAILURES lists %s, which is not a case: remove it", n)
		}
	}
}

// verdict is what one case did.
type verdict struct {
	ok   bool
	what string // what happened, one line
	wall time.Duration
}

// TestHostile runs every case in its own subprocess; see the package doc.
func TestHostile(t *testing.T) {
	if os.Getenv("SCRIPTRUN_HOSTILE") == "" {
		t.Skip("the hostile suite takes minutes: run it with SCRIPTRUN_HOSTILE=1 (.ci/run does)")
	}
	names, err := caseNames()
	if err != nil {
		t.Fatal(err)
	}
	iso, err := isolation()
	if err != nil {
		t.Fatal(err)
	}
	known, err := knownFailures(iso)
	if err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	parallel := 2
	if p, err := strconv.Atoi(os.Getenv("SCRIPTRUN_HOSTILE_PARALLEL")); err == nil && p > 0 {
		parallel = p
	}
	sem := make(chan struct{}, parallel)
	var mu sync.Mutex
	got := map[string]verdict{}
	start := time.Now()
	t.Run("case", func(t *testing.T) {
		for _, name := range names {
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				c, err := loadCase(name)
				if err != nil {
					t.Fatal(err)
				}
				if iso == engine.Process {
					c.expect = append(c.expect, c.process...)
				}
				sem <- struct{}{}
				why, isKnown := known[name]
				grace := killGrace
				if isKnown {
					grace = knownKillGrace
				}
				if g, err := time.ParseDuration(os.Getenv("SCRIPTRUN_HOSTILE_GRACE")); err == nil {
					grace = g
				}
				v := runCase(exe, c, c.bound+grace)
				<-sem
				mu.Lock()
				got[name] = v
				mu.Unlock()
				switch {
				case v.ok && isKnown:
					t.Errorf("%s passes now (%s): remove %s from KNOWN_FAILURES", name, v.what, name)
				case !v.ok && !isKnown:
					t.Errorf("%s attacks: %s\n  want %s within %v\n  got  %s", c.path, c.attacks, describeExpect(c.expect), c.bound, v.what)
				case !v.ok:
					t.Logf("known failure: %s (listed: %s)", v.what, why)
				default:
					t.Logf("pass: %s", v.what)
				}
			})
		}
	})
	summarize(t, iso, got, known, time.Since(start))
}

// summarize logs the counts and, with SCRIPTRUN_HOSTILE_UPDATE=1, rewrites
// KNOWN_FAILURES from this run.
func summarize(t *testing.T, iso engine.Isolation, got map[string]verdict, known map[string]string, took time.Duration) {
	var names []string
	pass := 0
	for n, v := range got {
		names = append(names, n)
		if v.ok {
			pass++
		}
	}
	sort.Strings(names)
	t.Logf("hostile suite (%v): %d cases, %d pass, %d fail, %v", iso, len(got), pass, len(got)-pass, took.Round(time.Second))
	if os.Getenv("SCRIPTRUN_HOSTILE_UPDATE") == "" {
		return
	}
	var lines []string
	for _, n := range names {
		if v := got[n]; !v.ok {
			lines = append(lines, n+" "+v.what)
		}
	}
	for n, why := range known {
		if _, ran := got[n]; !ran {
			lines = append(lines, n+" "+why) // not run this time (-run filter): keep
		}
	}
	sort.Strings(lines)
	var b strings.Builder
	if iso == engine.Process {
		b.WriteString(knownProcessHeader)
	} else {
		b.WriteString(knownHeader)
	}
	for _, l := range lines {
		b.WriteString(l + "\n")
	}
	if err := os.WriteFile(filepath.Join(root, knownFile(iso)), []byte(b.String()), 0o644); err != nil {
		t.Error(err)
	}
}

const knownHeader = `# Hostile cases that fail on the current code: case, then what happens today.
# TestHostile fails when a listed case passes ("remove X from KNOWN_FAILURES")
# and when an unlisted case fails. SCRIPTRUN_HOSTILE_UPDATE=1 rewrites this
# file from a run; check the diff before committing it.
`

const knownProcessHeader = `# Hostile cases that fail in process isolation (SCRIPTRUN_HOSTILE_ISOLATION=process)
# on the current code: case, then what happens today. See KNOWN_FAILURES.
`

// runCase runs c in a subprocess, killed after kill, and judges it.
func runCase(exe string, c *hostileCase, kill time.Duration) verdict {
	ctx, cancel := context.WithTimeout(context.Background(), kill)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, "-test.run=^$")
	// An odd host time zone: scripts must see UTC whatever the host's is.
	cmd.Env = append(os.Environ(), envCase+"="+c.name, "GOTRACEBACK=single", "TZ=Pacific/Chatham")
	var stdout, stderr capped
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 2 * time.Second
	t0 := time.Now()
	err := cmd.Run()
	wall := time.Since(t0)

	var run, after *report
	for _, line := range strings.Split(stdout.String(), "\n") {
		if rest, ok := strings.CutPrefix(line, marker); ok {
			r := new(report)
			if json.Unmarshal([]byte(rest), r) == nil {
				switch r.Phase {
				case "run":
					run = r
				case "after":
					after = r
				}
			}
		}
	}
	died := func() string {
		if ctx.Err() != nil {
			return fmt.Sprintf("killed after %v", kill.Round(time.Second))
		}
		return fmt.Sprintf("died (%v): %s", err, crashLine(stderr.String()))
	}
	v := judge(c, run, after, died)
	v.wall = wall
	return v
}

// judge decides a case from its reports (nil: not printed, the process
// died or was killed first; died says how).
func judge(c *hostileCase, run, after *report, died func() string) verdict {
	var v verdict
	switch {
	case run == nil:
		v.what = died() + " before the run ended"
		return v
	case !matches(c.expect, run):
		v.what = describeReport(run)
		return v
	case goText(run.Message) != "":
		v.what = fmt.Sprintf("%s: the message shows Go internals (%q)", describeReport(run), goText(run.Message))
		return v
	case time.Duration(run.WallMs)*time.Millisecond > c.bound:
		v.what = fmt.Sprintf("%s but took %v, over the bound", describeReport(run), (time.Duration(run.WallMs) * time.Millisecond).Round(10*time.Millisecond))
		return v
	case after == nil:
		v.what = describeReport(run) + ", then the host " + died() + " in the health check"
		return v
	case after.Trivial != "":
		v.what = describeReport(run) + ", then " + after.Trivial
		return v
	case time.Duration(after.IdleCPUMs)*time.Millisecond > idleCPUMax:
		v.what = fmt.Sprintf("%s, then %d ms of CPU in %v after the run: work left running", describeReport(run), after.IdleCPUMs, idleWindow)
		return v
	}
	v.ok = true
	v.what = describeReport(run)
	return v
}

// goInternals are pieces of Go runtime and interpreter internals that must
// never reach a script author's error message (engine.Error's contract).
var goInternals = []string{"runtime error:", "goroutine ", ".go:", "panic:", "nil pointer",
	"interface conversion", "Int64N", "register underflow", "registry overflow"}

// goText returns the first Go internal that msg shows, or "".
func goText(msg string) string {
	for _, g := range goInternals {
		if strings.Contains(msg, g) {
			return g
		}
	}
	return ""
}

func matches(want []outcome, r *report) bool {
	for _, o := range want {
		switch {
		case o.kind == "ok":
			if r.Kind != "" {
				continue
			}
			var got any
			if json.Unmarshal(r.Value, &got) != nil {
				continue
			}
			a, _ := json.Marshal(got)
			b, _ := json.Marshal(o.value)
			if bytes.Equal(a, b) {
				return true
			}
		case o.kind != r.Kind:
		case o.kind == "limit" && r.Ceiling:
			// The process heap ceiling stopped it, not the run's budget.
		case len(o.names) == 0:
			return true
		default:
			name := r.Limit
			if o.kind == "denied" {
				name = r.Capability
			}
			for _, n := range o.names {
				if n == name {
					return true
				}
			}
		}
	}
	return false
}

func describeReport(r *report) string {
	d := time.Duration(r.WallMs) * time.Millisecond
	switch {
	case r.Kind == "":
		return fmt.Sprintf("ok %s in %v", truncate(string(r.Value), 80), d)
	case r.Ceiling:
		return fmt.Sprintf("limit \"memory\" from the process heap ceiling (not the run's budget) after %v", d)
	case r.Kind == "limit":
		return fmt.Sprintf("limit %q after %v", r.Limit, d)
	case r.Kind == "denied":
		return fmt.Sprintf("denied %q after %v", r.Capability, d)
	}
	return fmt.Sprintf("%s after %v: %s", r.Kind, d, truncate(r.Message, 120))
}

func truncate(s string, n int) string {
	s = firstLine(s)
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// crashLine picks the line that says why a Go process died.
func crashLine(stderr string) string {
	lines := strings.Split(stderr, "\n")
	for _, prefix := range []string{"fatal error:", "panic:", "runtime:"} {
		for _, l := range lines {
			if strings.HasPrefix(l, prefix) {
				return truncate(l, 120)
			}
		}
	}
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.TrimSpace(lines[i]) != "" {
			return truncate(lines[i], 120)
		}
	}
	return "no output"
}

// capped is a buffer that keeps the first 1 MiB written to it.
type capped struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (c *capped) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if room := 1<<20 - c.buf.Len(); room > 0 {
		c.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (c *capped) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.String()
}
