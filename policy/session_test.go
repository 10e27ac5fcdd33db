package policy

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"cel.dev/cel-go/cel"
	"github.com/google/go-cmp/cmp"
)

// countingState is a State whose usage and clock the test moves, counting
// how often the session reads them.
type countingState struct {
	usage        Usage
	now          time.Time
	usageN, nowN int
}

func (s *countingState) Usage() Usage   { s.usageN++; return s.usage }
func (s *countingState) Now() time.Time { s.nowN++; return s.now }

// A Session deciding many calls decides each like a fresh Decide: the
// requests of TestDecide and TestExample, in turns, through one session.
func TestSessionSameAsDecide(t *testing.T) {
	for _, src := range []string{rulesPolicy, sessionPolicy} {
		p := mustParse(t, src)
		base := req("kv.get", nil)
		s := p.NewSession(base.Script)
		reqs := []*Request{
			req("kv.delete", map[string]any{"key": "a"}),
			req("kv.get", map[string]any{"key": "secret/x"}),
			req("kv.get", map[string]any{"key": "acme:x"}),
			req("kv.set", map[string]any{"key": "acme:x", "value": strings.Repeat("v", 70000)}),
			req("http.get", nil),
			req("net.dial", nil),
			req("log.write", map[string]any{"a": int64(1)}),
			req("log.read", map[string]any{"flag": "yes"}),
			req("log.read", map[string]any{"flag": true}),
			req("fs.write", nil),
		}
		r := req("kv.delete", map[string]any{"key": "a"})
		r.Usage.Calls = map[string]int64{"kv.delete": 3}
		reqs = append(reqs, r)
		r = req("kv.delete", map[string]any{"key": "a"})
		r.Usage.Elapsed = time.Minute
		reqs = append(reqs, r)
		for turn := 0; turn < 3; turn++ {
			for i, r := range reqs {
				want := p.Decide(context.Background(), r)
				got := s.Decide(context.Background(), r.Call, r.Args, requestState{r})
				if diff := cmp.Diff(want, got, cmp.Comparer(sameErr)); diff != "" {
					t.Errorf("turn %d request %d (%s): session decision (-Decide +Session):\n%s", turn, i, r.Call.Name, diff)
				}
			}
		}
	}
}

func sameErr(a, b error) bool {
	return a == nil && b == nil || a != nil && b != nil && a.Error() == b.Error()
}

const sessionPolicy = `
name: s
rules:
  - name: tenant-kv
    match: script.tenant == "acme"
    allow: ["kv.*"]
    when: args.key.startsWith(script.tenant + ":")
  - name: kv-quota
    deny: ["kv.*"]
    when: call.name in usage.calls && usage.calls[call.name] >= 2
    message: "'quota of ' + call.name + ' reached'"
  - name: big
    deny: [kv.set]
    when: size(args.value) > 65536
  - name: suspended
    match: script.labels["plan"] == "suspended"
    deny: ["*"]
    message: "'tenant ' + script.tenant + ' is suspended'"
  - name: office-hours
    allow: [http.get]
    when: now < timestamp("2026-01-01T00:00:00Z")
`

// What a rule reads of the run is read at each call, never cached: the
// count of calls so far, and the clock.
func TestSessionReadsStatePerCall(t *testing.T) {
	p := mustParse(t, sessionPolicy)
	s := p.NewSession(Script{Tenant: "acme", Labels: map[string]string{"plan": "pro"}})
	st := &countingState{usage: Usage{Calls: map[string]int64{}}, now: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)}
	get := Call{Name: "kv.get", Module: "kv", Function: "get"}
	args := map[string]any{"key": "acme:k"}
	for i := 0; i < 2; i++ {
		if d := s.Decide(context.Background(), get, args, st); !d.Allow || d.Rule != "tenant-kv" {
			t.Fatalf("call %d: got %+v, want allow by tenant-kv", i, d)
		}
		st.usage.Calls["kv.get"]++ // the same map: what the engine's gate does
	}
	d := s.Decide(context.Background(), get, args, st)
	if want := (Decision{Rule: "kv-quota", Message: "quota of kv.get reached", Authored: true}); d != want {
		t.Errorf("third call: got %+v, want %+v", d, want)
	}
	if st.usageN != 3 || st.nowN != 0 {
		t.Errorf("state read: usage %d times, now %d times; want 3 and 0", st.usageN, st.nowN)
	}

	httpGet := Call{Name: "http.get", Module: "http", Function: "get"}
	if d := s.Decide(context.Background(), httpGet, nil, st); !d.Allow {
		t.Errorf("before the date: got %+v, want allow", d)
	}
	st.now = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	if d := s.Decide(context.Background(), httpGet, nil, st); d.Allow {
		t.Errorf("after the date: got %+v, want deny (a rule reading now is not cached)", d)
	}
	if st.nowN != 2 {
		t.Errorf("now read %d times, want 2", st.nowN)
	}
}

// A script-only condition that fails to evaluate is not settled for the
// run: every call that reaches the rule fails closed with its error.
func TestSessionStaticErrorNotCached(t *testing.T) {
	p := mustParse(t, `
name: s
rules:
  - name: plan
    match: script.labels["plan"] == "pro"
    allow: [kv.get]
`)
	s := p.NewSession(Script{Tenant: "acme"}) // no labels: the match fails
	for i := 0; i < 3; i++ {
		d := s.Decide(context.Background(), Call{Name: "kv.get"}, nil, &countingState{})
		var ee *EvalError
		if d.Allow || d.Rule != "plan" || !errors.As(d.Err, &ee) || ee.Expr != "match" || !strings.Contains(d.Message, "no such key") {
			t.Errorf("call %d: got %+v, want deny by the failing match", i, d)
		}
	}
}

// Rules after a deny that always applies are never reached, but a failing
// rule before it still decides.
func TestSessionOrder(t *testing.T) {
	p := mustParse(t, `
name: s
rules:
  - name: broken
    deny: [kv.get]
    when: args.missing == 1
  - name: always
    deny: ["kv.*"]
  - name: never-reached
    allow: [kv.get]
    when: args.nope == 1
`)
	s := p.NewSession(Script{})
	d := s.Decide(context.Background(), Call{Name: "kv.get"}, map[string]any{}, &countingState{})
	if d.Allow || d.Rule != "broken" || d.Err == nil {
		t.Errorf("kv.get: got %+v, want the failing rule to decide", d)
	}
	d = s.Decide(context.Background(), Call{Name: "kv.set"}, map[string]any{}, &countingState{})
	if want := (Decision{Rule: "always", Message: `denied by rule "always"`}); d != want {
		t.Errorf("kv.set: got %+v, want %+v", d, want)
	}
}

// The session keeps its own copy of the labels, and the policy its own copy
// of the rules and mode: changing the caller's values changes no decision.
func TestSessionAndPolicyCopy(t *testing.T) {
	p := mustParse(t, sessionPolicy)
	labels := map[string]string{"plan": "pro"}
	s := p.NewSession(Script{Tenant: "acme", Labels: labels})
	labels["plan"] = "suspended"
	args := map[string]any{"key": "acme:k"}
	get := Call{Name: "kv.get"}
	if d := s.Decide(context.Background(), get, args, &countingState{usage: Usage{}}); !d.Allow {
		t.Errorf("labels changed after NewSession: got %+v, want allow", d)
	}
	p.Rules[0].Allow[0] = "nothing.*"
	p.Rules[0].When = "false"
	p.Rules = p.Rules[:1]
	p.Mode = Audit
	r := req("kv.get", args)
	r.Script.Labels = map[string]string{"plan": "suspended"}
	if d := p.Decide(context.Background(), r); d.Allow || d.Rule != "suspended" {
		t.Errorf("policy changed after Parse: got %+v, want deny by suspended", d)
	}
}

// A done ctx denies the call even where no expression would be evaluated.
func TestSessionCanceled(t *testing.T) {
	p := mustParse(t, "name: s\nrules:\n  - name: all\n    allow: [\"*\"]\n")
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(errors.New("run stopped"))
	d := p.Decide(ctx, req("kv.get", nil))
	if d.Allow || !errors.Is(d.Err, context.Canceled) || !strings.Contains(d.Message, "run stopped") {
		t.Errorf("got %+v, want deny with context.Canceled and the cause", d)
	}
	if d := p.Decide(context.Background(), req("kv.get", nil)); !d.Allow {
		t.Errorf("live ctx: got %+v, want allow", d)
	}
}

func TestSessionAudit(t *testing.T) {
	p := mustParse(t, "name: a\nmode: audit\nrules:\n  - name: r\n    deny: [kv.set]\n    message: \"'nope ' + script.tenant\"\n")
	s := p.NewSession(Script{Tenant: "acme"})
	for i := 0; i < 2; i++ {
		d := s.Decide(context.Background(), Call{Name: "kv.set"}, nil, &countingState{})
		if want := (Decision{Allow: true, WouldDeny: true, Rule: "r", Message: "nope acme", Authored: true}); d != want {
			t.Errorf("call %d: got %+v, want %+v", i, d, want)
		}
	}
}

func TestInspect(t *testing.T) {
	env, err := newEnv()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		src    string
		static bool
		loops  bool
	}{
		{`script.tenant == "acme"`, true, false},
		{`call.name == "kv.get" && script.labels["a"] == "b"`, true, false},
		{`args.key.startsWith(script.tenant)`, false, false},
		{`usage.hostCalls < 3`, false, false},
		{`now > timestamp("2020-01-01T00:00:00Z")`, false, false},
		{`[1, 2].exists(x, x == 2)`, true, true},
		{`[1, 2].exists(args, args == 2)`, false, true}, // shadowing only looks dynamic
		{`script.labels.all(k, k in args)`, false, true},
		{`true`, true, false},
	}
	for _, tt := range tests {
		a, iss := env.Compile(tt.src)
		if iss.Err() != nil {
			t.Fatalf("%s: %v", tt.src, iss.Err())
		}
		x := expr{}
		x.reads, x.loops = inspect(a.NativeRep().Expr())
		if x.static() != tt.static || x.loops != tt.loops {
			t.Errorf("%s: static %v loops %v, want %v %v", tt.src, x.static(), x.loops, tt.static, tt.loops)
		}
	}
}

// Only expressions whose cost does not grow with their inputs run without
// the cost tracker; the tracked cost of each, on inputs far beyond the
// load-time size assumptions, stays under half the limit.
func TestUntracked(t *testing.T) {
	env, err := newEnv()
	if err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("x", 4<<20)
	bigList := make([]any, 1<<20)
	for i := range bigList {
		bigList[i] = big[:1000]
	}
	bigMap := map[string]int64{}
	for i := range 200000 {
		bigMap[fmt.Sprint(i)] = int64(i)
	}
	vars := map[string]any{
		"script": Script{Name: big, Tenant: big, Labels: map[string]string{big: big}},
		"call":   Call{Name: big, Module: big, Function: big},
		"usage":  Usage{Calls: bigMap},
		"args":   map[string]any{"key": big, "list": bigList, "n": int64(1 << 40), "m": map[string]any{big: bigList}},
		"now":    time.Now(),
	}
	tests := []struct {
		src       string
		untracked bool
	}{
		{`call.name in usage.calls && usage.calls[call.name] >= 1000000`, true},
		{`usage.hostCalls > 3 && usage.elapsed < duration("1s")`, true},
		{`size(args.key) > 65536 || size(args.list) > 10`, true},
		{`has(args.m) && args.n * 2 > 10`, true},
		{`now > timestamp("2025-01-01T00:00:00Z")`, true},
		{`args.key == "a"`, true}, // equality costs by the shorter side
		{`args.key == script.tenant`, false},
		{`args.key.startsWith(script.tenant)`, false},
		{`script.tenant + ":" == "acme:"`, false},
		{`"a" in args.list`, false},              // list membership
		{`args.list.exists(x, x == "a")`, false}, // comprehension
		{`size(lists.range(args.n)) > 0`, false}, // grows with a number
		{`url(args.key).host == "a"`, true},      // url() refuses input over 8 KiB
		{`args.key.matches("a+")`, false},
	}
	for _, tt := range tests {
		a, iss := env.Compile(tt.src)
		if iss.Err() != nil {
			t.Fatalf("%s: %v", tt.src, iss.Err())
		}
		if got := sizeFree(env, a, defaultCostLimit); got != tt.untracked {
			t.Errorf("%s: untracked %v, want %v", tt.src, got, tt.untracked)
		}
		if !tt.untracked {
			continue
		}
		prog, err := env.Program(a, cel.CostLimit(defaultCostLimit))
		if err != nil {
			t.Fatal(err)
		}
		_, det, err := prog.Eval(vars)
		if err != nil && strings.Contains(err.Error(), "cost") {
			t.Errorf("%s: tracked evaluation on big inputs: %v", tt.src, err)
		}
		if c := det.ActualCost(); c == nil || *c > defaultCostLimit/2 {
			t.Errorf("%s: tracked cost %v on big inputs", tt.src, c)
		}
	}
}

// An expression with a size-bounded fast path, run with its cost tracker on
// inputs whose every size is at its bound, stays under half the limit; an
// input past the bound takes the tracked program, so the limit still denies.
func TestFastPath(t *testing.T) {
	env, err := newEnv()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		src  string
		fast bool
	}{
		{`args.key.startsWith(script.tenant + ":")`, true},
		{`args.key.endsWith(".json") && size(args.value) < 1000`, true},
		{`script.name + call.name == args.key`, true},
		{`args.key.contains("x")`, true},
		{`args.key < script.tenant`, true},
		{`args.list == ["a", "b"] || args.m["k"] == "v"`, true},
		{`"a" in args.list`, true},
		{`args.list + args.list == args.list`, true},
		{`string(args.b) == "x"`, true},
		{`call.name in usage.calls && args.key.startsWith(call.name)`, true},
		{`args.key.lowerAscii() == "a"`, false},   // an extension function
		{`args.list.exists(x, x == "a")`, false},  // a comprehension
		{`args.key.split(",").size() > 2`, false}, // an extension function
	}
	for _, tt := range tests {
		a, iss := env.Compile(tt.src)
		if iss.Err() != nil {
			t.Fatalf("%s: %v", tt.src, iss.Err())
		}
		var n uint64
		if _, loops := inspect(a.NativeRep().Expr()); !loops { // as compileExpr does
			n = fastBelow(env, a, defaultCostLimit)
		}
		if got := n > 0; got != tt.fast {
			t.Errorf("%s: fast path below %d, want fast %v", tt.src, n, tt.fast)
		}
		if n == 0 {
			continue
		}
		s := strings.Repeat("x", int(n))
		list := make([]any, n)
		for i := range list {
			list[i] = s
		}
		m := map[string]any{"k": s}
		calls := map[string]int64{s: 1}
		for i := 0; len(m) < int(n) && i < 1<<16; i++ {
			m[fmt.Sprint(i)] = s
			calls[fmt.Sprint(i)] = 1
		}
		vars := map[string]any{
			"script": Script{Name: s, Lang: s, SHA256: s, Tenant: s, Labels: map[string]string{s: s}},
			"call":   Call{Name: s, Module: s, Function: s},
			"usage":  Usage{Calls: calls},
			"args":   map[string]any{"key": s, "value": s, "list": list, "m": m, "b": []byte(s)},
			"now":    time.Now(),
		}
		prog, err := env.Program(a, cel.CostLimit(defaultCostLimit))
		if err != nil {
			t.Fatal(err)
		}
		_, det, err := prog.Eval(vars)
		if err != nil && strings.Contains(err.Error(), "cost") {
			t.Errorf("%s: tracked evaluation with sizes %d: %v", tt.src, n, err)
		}
		if c := det.ActualCost(); c == nil || *c > defaultCostLimit/2 {
			t.Errorf("%s: tracked cost %v with sizes %d, fast path below %d", tt.src, c, n, n)
		}
	}

	// Past the bound the tracker runs, and the cost limit denies as before.
	// (Typed strings: cel-go charges string operations on dyn values, such
	// as those in args, a fixed cost.)
	p := mustParse(t, "name: c\nrules:\n  - name: concat\n    allow: [kv.get]\n    when: script.tenant + script.tenant != args.key\n")
	if n := p.rules[0].expr[1].fastBelow; n != 1<<16 {
		t.Fatalf("concat: fast path below %d, want %d", n, 1<<16)
	}
	get := Call{Name: "kv.get", Module: "kv", Function: "get"}
	for _, tc := range []struct {
		tenant int
		args   map[string]any
		allow  bool
	}{
		{1 << 16, map[string]any{"key": "k"}, true},                          // at the bound: fast
		{4 << 20, map[string]any{"key": "k"}, false},                         // past it: tracked, over the limit
		{10, map[string]any{"key": "k", "l": make([]any, walkBudget)}, true}, // args past the walk budget: tracked
		{10, map[string]any{"key": "k", "l": []any{int(1)}}, true},           // a size valueSize does not know: tracked
	} {
		s := p.NewSession(Script{Tenant: strings.Repeat("x", tc.tenant)})
		d := s.Decide(context.Background(), get, tc.args, &countingState{})
		if d.Allow != tc.allow || !tc.allow && !strings.Contains(d.Message, "cost limit") {
			t.Errorf("tenant of %d bytes, %d args: got %+v, want allow %v (or the cost limit)", tc.tenant, len(tc.args), d, tc.allow)
		}
	}
}
