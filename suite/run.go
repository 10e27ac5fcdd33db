package suite

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/scriptrun/scriptrun/bridge"
	"github.com/scriptrun/scriptrun/bridge/kv"
	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/limits"
	"github.com/scriptrun/scriptrun/loc"
	"github.com/scriptrun/scriptrun/policy"
	"github.com/scriptrun/scriptrun/recording"
)

// Result is what running one suite gave.
type Result struct {
	File  string
	Kind  Kind
	Cases []CaseResult // the cases run, in file order (Options.Filter may leave some out)
	// Coverage is set when Options.Coverage was.
	Coverage *Coverage
}

// CaseResult is one case's outcome: it passed when Failures is empty.
type CaseResult struct {
	Name     string
	Pos      loc.Pos
	Failures []string // each says what was expected and what came out
	Duration time.Duration
}

// Passed reports whether the case passed.
func (c *CaseResult) Passed() bool { return len(c.Failures) == 0 }

// Coverage is what a suite's cases exercised.
type Coverage struct {
	// Rules: policy suites, each rule of the policy in order and whether
	// some case made it apply (its patterns, match and when all held).
	Rules []RuleCoverage
	// Script suites: the script's name, its lines that hold code (see
	// CodeLines) and, of those, the ones no case ran. Collected is false
	// when the backend reported no line at all (it does not collect
	// coverage), and then Unrun is empty.
	Script    string
	CodeLines int
	Unrun     []int
	Collected bool
}

// RuleCoverage is one rule's coverage.
type RuleCoverage struct {
	Rule    string
	Pos     loc.Pos
	Applied bool
}

// Run runs the suite's cases (those opts.Filter matches) one after the
// other and returns their results. A run stops early when ctx is done,
// with ctx's error; a case that fails is a result, not an error.
func (s *Suite) Run(ctx context.Context, opts Options) (*Result, error) {
	r := &Result{File: s.File, Kind: s.Kind}
	var err error
	switch s.Kind {
	case KindPolicy:
		err = s.runPolicy(ctx, opts, r)
	case KindScript:
		err = s.runScript(ctx, opts, r)
	}
	return r, err
}

func (s *Suite) selected(opts Options) []*Case {
	var out []*Case
	for _, c := range s.Cases {
		if opts.Filter == nil || opts.Filter.MatchString(c.Name) {
			out = append(out, c)
		}
	}
	return out
}

// ---- policy suites

func (s *Suite) runPolicy(ctx context.Context, opts Options, r *Result) error {
	pol := s.pol.policy
	applied := map[string]bool{}
	for _, c := range s.selected(opts) {
		if err := ctx.Err(); err != nil {
			return err
		}
		start := time.Now()
		pc := c.pol
		req := &policy.Request{Script: pc.script, Call: pc.call, Args: pc.args, Usage: pc.usage, Now: pc.now}
		d, trace := pol.Trace(ctx, req)
		for _, t := range trace {
			if t.Outcome == policy.Applied {
				applied[t.Rule] = true
			}
		}
		cr := CaseResult{Name: c.Name, Pos: c.Pos, Failures: checkDecision(pc, d, trace)}
		cr.Duration = time.Since(start)
		r.Cases = append(r.Cases, cr)
		if opts.Progress != nil {
			opts.Progress(&r.Cases[len(r.Cases)-1])
		}
	}
	if opts.Coverage {
		cov := &Coverage{}
		for _, rule := range pol.Rules {
			cov.Rules = append(cov.Rules, RuleCoverage{Rule: rule.Name, Pos: rule.Pos, Applied: applied[rule.Name]})
		}
		r.Coverage = cov
	}
	return nil
}

func decisionOf(d policy.Decision) string {
	switch {
	case d.WouldDeny:
		return decAuditDeny
	case d.Allow:
		return decAllow
	}
	return decDeny
}

// describeDecision says what the policy decided, for a failure line.
func describeDecision(call string, d policy.Decision, trace []policy.RuleTrace) string {
	got := decisionOf(d)
	switch {
	case got == decAllow && d.Rule != "":
		return fmt.Sprintf("allow by rule %q", d.Rule)
	case got == decAllow:
		return "allow"
	case d.Rule != "":
		return fmt.Sprintf("%s by rule %q (%s)", got, d.Rule, d.Message)
	}
	// No rule decided: say which allow rules were for the call and why
	// none applied, the first thing an author asks.
	var why []string
	for _, t := range trace {
		if t.Deny || t.Outcome == policy.NotForCall {
			continue
		}
		switch t.Outcome {
		case policy.NoMatch:
			why = append(why, fmt.Sprintf("rule %q: %s is false", t.Rule, t.Expr))
		case policy.Errored:
			why = append(why, fmt.Sprintf("rule %q: %s failed: %s", t.Rule, t.Expr, t.Message))
		}
	}
	if len(why) == 0 {
		return fmt.Sprintf("%s (no rule allows %s)", got, call)
	}
	return fmt.Sprintf("%s (no rule allows %s: %s)", got, call, strings.Join(why, "; "))
}

func checkDecision(pc *policyCase, d policy.Decision, trace []policy.RuleTrace) []string {
	var fails []string
	e := pc.expect
	if got := decisionOf(d); got != e.decision {
		fails = append(fails, fmt.Sprintf("decision: want %s, got %s", e.decision, describeDecision(pc.call.Name, d, trace)))
		return fails
	}
	if e.rule != nil && *e.rule != d.Rule {
		fails = append(fails, fmt.Sprintf("rule: want %s, got %s", ruleName(*e.rule), ruleName(d.Rule)))
	}
	if e.message != nil && !strings.Contains(d.Message, *e.message) {
		fails = append(fails, fmt.Sprintf("message: want one containing %q, got %q", *e.message, d.Message))
	}
	return fails
}

func ruleName(r string) string {
	if r == "" {
		return "no rule"
	}
	return fmt.Sprintf("%q", r)
}

// ---- script suites

// caseStore is the kv store of the case being run: the modules are built
// once per suite over it, and each case points it at a fresh store.
type caseStore struct {
	mu  sync.Mutex
	cur kv.Store
}

func (s *caseStore) store() kv.Store {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur
}

func (s *caseStore) set(st kv.Store) {
	s.mu.Lock()
	s.cur = st
	s.mu.Unlock()
}

func (s *caseStore) Get(ctx context.Context, ns, key string) (any, bool, error) {
	return s.store().Get(ctx, ns, key)
}
func (s *caseStore) Set(ctx context.Context, ns, key string, v any) error {
	return s.store().Set(ctx, ns, key, v)
}
func (s *caseStore) Delete(ctx context.Context, ns, key string) (bool, error) {
	return s.store().Delete(ctx, ns, key)
}
func (s *caseStore) List(ctx context.Context, ns, prefix, after string, limit int) ([]string, error) {
	return s.store().List(ctx, ns, prefix, after, limit)
}
func (s *caseStore) Incr(ctx context.Context, ns, key string, delta any) (any, error) {
	return s.store().Incr(ctx, ns, key, delta)
}
func (s *caseStore) CAS(ctx context.Context, ns, key string, old, new any) (bool, error) {
	return s.store().CAS(ctx, ns, key, old, new)
}

var _ kv.Store = (*caseStore)(nil)

// callLog is a case's Observer: the capabilities called, in order.
type callLog struct{ calls []string }

func (l *callLog) RunStarted(*engine.RunInfo) {}
func (l *callLog) HostCall(_ *engine.RunInfo, c *bridge.CallEvent) {
	if c.Call.Via == "" {
		l.calls = append(l.calls, c.Call.Capability)
	}
}
func (l *callLog) RunFinished(*engine.RunInfo, *engine.Result, error) {}

func (s *Suite) runScript(ctx context.Context, opts Options, r *Result) error {
	sc := s.scr
	store := &caseStore{cur: kv.NewMemory()}
	mods, err := opts.modules(store)
	if err != nil {
		return fmt.Errorf("suite: modules: %w", err)
	}
	reg, err := bridge.NewRegistry(mods...)
	if err != nil {
		return fmt.Errorf("suite: modules: %w", err)
	}
	host, err := engine.NewHost(engine.Config{Backends: opts.backends(), Modules: mods,
		Budget: limits.Budget{Source: sc.budget.Source}})
	if err != nil {
		return fmt.Errorf("suite: %w", err)
	}
	defer host.Close()
	script, compileErr := host.Compile(engine.Source{Name: sc.name, Lang: sc.lang, Code: sc.src})

	ran := map[int]bool{}
	for _, c := range s.selected(opts) {
		if err := ctx.Err(); err != nil {
			return err
		}
		start := time.Now()
		cr := CaseResult{Name: c.Name, Pos: c.Pos}
		switch {
		case c.scr.rec != nil:
			cr.Failures = s.replayCase(ctx, host, script, reg, store, c.scr.rec)
		case compileErr != nil:
			cr.Failures = checkOutcome(c.scr, nil, compileErr)
		default:
			cr.Failures = s.runCase(ctx, opts, host, script, reg, store, c.scr, ran)
		}
		cr.Duration = time.Since(start)
		r.Cases = append(r.Cases, cr)
		if opts.Progress != nil {
			opts.Progress(&r.Cases[len(r.Cases)-1])
		}
	}
	if opts.Coverage {
		code, group := codeGroups(sc.lang, sc.src)
		cov := &Coverage{Script: sc.name, CodeLines: len(code), Collected: len(ran) > 0}
		if cov.Collected {
			// A line of a multi-line expression ran when any line of it
			// did (see codeGroups).
			groupRan := map[int]bool{}
			for l := range ran {
				if g, ok := group[l]; ok {
					groupRan[g] = true
				}
				groupRan[l] = true
			}
			for _, l := range code {
				g, ok := group[l]
				if !ran[l] && !(ok && groupRan[g]) {
					cov.Unrun = append(cov.Unrun, l)
				}
			}
		}
		r.Coverage = cov
	}
	return nil
}

func (s *Suite) runCase(ctx context.Context, opts Options, host *engine.Host, script *engine.Script,
	reg *bridge.Registry, store *caseStore, c *scriptCase, ran map[int]bool) []string {
	sc := s.scr
	mem := kv.NewMemory()
	for _, e := range c.kv {
		if err := mem.Set(ctx, "", e.key, e.value); err != nil {
			return []string{fmt.Sprintf("kv: cannot store %q before the run: %v", e.key, err)}
		}
	}
	store.set(mem)

	var unmocked []string
	answer := func(ctx context.Context, call *bridge.Call, args bridge.Args) (any, error) {
		for _, m := range c.mocks {
			if m.call == call.Capability && argsMatch(m.args, args) {
				if m.err != "" {
					return nil, bridge.Message(m.err)
				}
				return m.result, nil
			}
		}
		if opts.live(call.Module) {
			if fn := reg.Lookup(call.Capability); fn != nil && fn.Impl != nil {
				return fn.Impl(ctx, args)
			}
		}
		unmocked = append(unmocked, call.Capability+"("+render(map[string]any(args))+")")
		return nil, bridge.Message("not mocked in this test")
	}
	calls := &callLog{}
	ro := engine.RunOptions{Input: c.input, Policy: sc.policy, Budget: sc.budget, Identity: c.identity,
		Seed: sc.seed, Now: func() time.Time { return sc.now }, Observer: calls, Answer: answer}
	if opts.Coverage {
		ro.Coverage = &engine.Coverage{Lines: map[int]bool{}}
	}
	res, err := host.Run(ctx, script, ro)
	if ro.Coverage != nil {
		for l, ok := range ro.Coverage.Lines {
			if ok {
				ran[l] = true
			}
		}
	}
	var fails []string
	for _, u := range unmocked {
		fails = append(fails, fmt.Sprintf("unmocked host call %s: add a mock (tests never call %s for real)", u, u[:strings.IndexByte(u, '.')]))
	}
	fails = append(fails, checkOutcome(c, res, err)...)
	e := c.expect
	if e.hasKV {
		for _, want := range e.kv {
			got, ok, gerr := mem.Get(ctx, "", want.key)
			switch {
			case gerr != nil:
				fails = append(fails, fmt.Sprintf("kv %q: cannot read it after the run: %v", want.key, gerr))
			case want.value == nil && ok:
				fails = append(fails, fmt.Sprintf("kv %q: want absent, got %s", want.key, render(got)))
			case want.value != nil && !ok:
				fails = append(fails, fmt.Sprintf("kv %q: want %s, got absent", want.key, render(want.value)))
			case want.value != nil && !kv.Equal(want.value, got):
				fails = append(fails, fmt.Sprintf("kv %q: want %s, got %s", want.key, render(want.value), render(got)))
			}
		}
	}
	if e.hasCalls && !equalStrings(e.calls, calls.calls) {
		fails = append(fails, fmt.Sprintf("calls: want [%s], got [%s]", strings.Join(e.calls, ", "), strings.Join(calls.calls, ", ")))
	}
	if res != nil {
		for _, b := range e.usage {
			got := usageField(res.Usage, b.field)
			if !b.holds(got) {
				fails = append(fails, fmt.Sprintf("usage.%s: want %s %d, got %d", b.field, b.op, b.n, got))
			}
		}
	}
	return fails
}

// replayCase replays a recording against the suite's script and policy
// (recording.Replay): the case passes when the replay reproduces it. The
// script is compiled under the recorded name when that differs, so that
// positions in errors compare.
func (s *Suite) replayCase(ctx context.Context, host *engine.Host, script *engine.Script, reg *bridge.Registry,
	store *caseStore, rec *recording.Recording) []string {
	sc := s.scr
	if script == nil || rec.Script.Name != sc.name {
		var err error
		script, err = host.Compile(engine.Source{Name: rec.Script.Name, Lang: sc.lang, Code: sc.src})
		if err != nil {
			var ee *engine.Error
			if !errors.As(err, &ee) {
				ee = &engine.Error{Kind: engine.KindInternal, Message: err.Error()}
			}
			return []string{"replay: the script does not compile: " + describeError(ee)}
		}
	}
	// Nothing but log runs for real in a replay; a fresh store keeps an
	// earlier case's keys out of reach all the same.
	store.set(kv.NewMemory())
	rep, err := recording.Replay(ctx, host, script, sc.policy, rec, recording.ReplayOptions{Registry: reg, Live: []string{"log"}})
	if err != nil {
		return []string{"replay: " + err.Error()}
	}
	if !rep.Match() {
		return []string{"replay diverges at " + rep.Divergence.String()}
	}
	return nil
}

// checkOutcome compares the run's value or error with the case's
// expectation.
func checkOutcome(c *scriptCase, res *engine.Result, err error) []string {
	e := c.expect
	if err != nil {
		var ee *engine.Error
		if !errors.As(err, &ee) {
			ee = &engine.Error{Kind: engine.KindInternal, Message: err.Error()}
		}
		if e.err == nil {
			want := "success"
			if e.hasValue {
				want = "value " + render(e.value)
			}
			return []string{fmt.Sprintf("want %s, got error %s", want, describeError(ee))}
		}
		w := e.err
		ok := (w.kind == "" || w.kind == string(ee.Kind)) &&
			(w.limit == "" || w.limit == ee.Limit) &&
			(w.capability == "" || w.capability == ee.Capability) &&
			(w.rule == nil || *w.rule == ee.Rule) &&
			strings.Contains(ee.Message, w.message)
		if ok {
			return nil
		}
		return []string{fmt.Sprintf("want error %s, got error %s", describeWant(w), describeError(ee))}
	}
	if e.err != nil {
		return []string{fmt.Sprintf("want error %s, got value %s", describeWant(e.err), render(res.Value))}
	}
	if e.hasValue && !kv.Equal(e.value, res.Value) {
		return []string{fmt.Sprintf("value: want %s, got %s", render(e.value), render(res.Value))}
	}
	return nil
}

// describeError renders a run's error on one line: kind, the limit or the
// capability and rule, the message and where.
func describeError(e *engine.Error) string {
	var b strings.Builder
	b.WriteString(string(e.Kind))
	switch {
	case e.Limit != "":
		fmt.Fprintf(&b, " (limit %s)", e.Limit)
	case e.Capability != "" && e.Rule != "":
		fmt.Fprintf(&b, " (%s, rule %q)", e.Capability, e.Rule)
	case e.Capability != "":
		fmt.Fprintf(&b, " (%s)", e.Capability)
	}
	fmt.Fprintf(&b, ": %s", e.Message)
	if p := e.Pos.String(); p != "" {
		fmt.Fprintf(&b, " at %s", p)
	}
	return b.String()
}

func describeWant(w *errorExpect) string {
	var parts []string
	if w.kind != "" {
		parts = append(parts, "kind "+w.kind)
	}
	if w.limit != "" {
		parts = append(parts, "limit "+w.limit)
	}
	if w.capability != "" {
		parts = append(parts, "capability "+w.capability)
	}
	if w.rule != nil {
		parts = append(parts, fmt.Sprintf("rule %q", *w.rule))
	}
	if w.message != "" {
		parts = append(parts, fmt.Sprintf("message containing %q", w.message))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// argsMatch reports whether a call's args match a mock's: every arg the
// mock names is present with an equal value (nil: any args).
func argsMatch(want map[string]any, got bridge.Args) bool {
	for k, w := range want {
		g, ok := got[k]
		if !ok || !kv.Equal(w, g) {
			return false
		}
	}
	return true
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func usageField(u limits.Usage, f string) int64 {
	switch f {
	case "steps":
		return u.Steps
	case "hostCalls":
		return u.HostCalls
	case "memoryBytes":
		return u.MemoryBytes
	case "cpuMs":
		return u.CPUMs
	case "wallMs":
		return u.WallMs
	case "outputBytes":
		return u.OutputBytes
	case "logBytes":
		return u.LogBytes
	}
	return 0
}

func (b bound) holds(x int64) bool {
	switch b.op {
	case "<=":
		return x <= b.n
	case ">=":
		return x >= b.n
	case "<":
		return x < b.n
	case ">":
		return x > b.n
	}
	return x == b.n
}
