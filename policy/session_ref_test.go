package policy

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"cel.dev/cel-go/common/types"
	"github.com/google/go-cmp/cmp"
)

// refDecide is the decision procedure as it was before sessions: every
// rule visited in order for every call, every expression evaluated with
// ContextEval over a fresh map of all variables. TestSessionDifferential
// holds Session to it.
func refDecide(ctx context.Context, p *Policy, req *Request) Decision {
	vars := map[string]any{
		"script": req.Script,
		"call":   req.Call,
		"usage":  req.Usage,
		"args":   req.Args,
		"now":    req.Now,
	}
	if req.Args == nil {
		vars["args"] = map[string]any{}
	}
	eval := func(r *rule, which int) (any, error) {
		if err := ctx.Err(); err != nil {
			return nil, &EvalError{Rule: r.name, Expr: exprNames[which], Pos: r.pos, Err: err}
		}
		v, _, err := r.expr[which].prog.ContextEval(ctx, vars)
		if err != nil {
			return nil, &EvalError{Rule: r.name, Expr: exprNames[which], Pos: r.pos, Err: err}
		}
		switch v := v.(type) {
		case types.Bool:
			return bool(v), nil
		case types.String:
			return string(v), nil
		}
		return v.Value(), nil
	}
	evalBool := func(r *rule, which int) (bool, error) {
		if r.expr[which].prog == nil {
			return true, nil
		}
		v, err := eval(r, which)
		if err != nil {
			return false, err
		}
		b, ok := v.(bool)
		if !ok {
			return false, &EvalError{Rule: r.name, Expr: exprNames[which], Pos: r.pos, Err: fmt.Errorf("got %T, want bool", v)}
		}
		return b, nil
	}
	d := func() Decision {
		allowRule := ""
		for _, r := range p.rules {
			if !r.deny && allowRule != "" {
				continue
			}
			if !matchAny(r.pats, req.Call.Name) {
				continue
			}
			ok, err := evalBool(r, 0)
			if err == nil && ok {
				ok, err = evalBool(r, 1)
			}
			if err != nil {
				return Decision{Rule: r.name, Message: err.Error(), Err: err}
			}
			if !ok {
				continue
			}
			if !r.deny {
				allowRule = r.name
				continue
			}
			msg, authored := fmt.Sprintf("denied by rule %q", r.name), false
			if r.expr[2].prog != nil {
				v, err := eval(r, 2)
				if s, isStr := v.(string); err == nil && isStr {
					msg, authored = s, true
				}
			}
			return Decision{Rule: r.name, Message: msg, Authored: authored}
		}
		if allowRule != "" {
			return Decision{Allow: true, Rule: allowRule}
		}
		return Decision{Message: fmt.Sprintf("no rule allows %q", req.Call.Name)}
	}()
	if p.audit && !d.Allow {
		d.Allow, d.WouldDeny = true, true
	}
	return d
}

var (
	refPatterns = []string{`["kv.*"]`, `[kv.get]`, `[kv.set]`, `["*"]`, `[http.get]`}
	refMatches  = []string{"", `script.tenant == "acme"`, `script.tenant == "other"`,
		`script.labels["plan"] == "pro"`, `call.function == "get"`, `args.key == "a1"`,
		`size(script.tenant) / (size(script.tenant) - 4) == 1`, `[1, 2].exists(x, x == size(script.tenant))`}
	refWhens = []string{"", `args.key.startsWith("a")`, `usage.hostCalls > 2`,
		`call.name in usage.calls && usage.calls[call.name] >= 2`, `args.missing == 1`,
		`now > timestamp("2025-06-01T00:00:00Z")`, `script.tenant == "acme"`, `false`,
		`call.name == "kv.set"`, `usage.elapsed > duration("1s")`, `args.exists(k, k == "key")`}
	refMessages = []string{"", `'m ' + call.name`, `'m ' + args.nope`, `'x ' + script.tenant`, `'k ' + args.key`}
)

// randomPolicy builds a policy of 1 to 6 rules from the pieces above:
// static and dynamic conditions, conditions that fail, allow and deny.
func randomPolicy(t *testing.T, rng *rand.Rand) (*Policy, string) {
	var b strings.Builder
	b.WriteString("name: r\n")
	if rng.IntN(5) == 0 {
		b.WriteString("mode: audit\n")
	}
	b.WriteString("rules:\n")
	for i := range 1 + rng.IntN(6) {
		fmt.Fprintf(&b, "  - name: r%d\n", i)
		kind := "allow"
		if rng.IntN(2) == 0 {
			kind = "deny"
		}
		fmt.Fprintf(&b, "    %s: %s\n", kind, refPatterns[rng.IntN(len(refPatterns))])
		if m := refMatches[rng.IntN(len(refMatches))]; m != "" {
			fmt.Fprintf(&b, "    match: '%s'\n", strings.ReplaceAll(m, "'", "''"))
		}
		if w := refWhens[rng.IntN(len(refWhens))]; w != "" {
			fmt.Fprintf(&b, "    when: '%s'\n", strings.ReplaceAll(w, "'", "''"))
		}
		if m := refMessages[rng.IntN(len(refMessages))]; kind == "deny" && m != "" {
			fmt.Fprintf(&b, "    message: '%s'\n", strings.ReplaceAll(m, "'", "''"))
		}
	}
	p, err := Parse("r.yaml", []byte(b.String()), Options{})
	if err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	return p, b.String()
}

// Session decides like the procedure it replaced, over random policies and
// runs of calls with changing args, usage and clock.
func TestSessionDifferential(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	scripts := []Script{
		{Name: "a.js", Lang: "js", Tenant: "acme", Labels: map[string]string{"plan": "pro"}},
		{Name: "b.js", Lang: "js", Tenant: "other"},
		{Name: "c.lua", Lang: "lua", Tenant: "acme"},
	}
	calls := []Call{{Name: "kv.get", Module: "kv", Function: "get"}, {Name: "kv.set", Module: "kv", Function: "set"},
		{Name: "http.get", Module: "http", Function: "get"}, {Name: "fs.read", Module: "fs", Function: "read"}}
	argSets := []map[string]any{nil, {"key": "a1"}, {"key": "b"}, {"key": int64(3)}, {"other": "x"}}
	start := time.Date(2025, 5, 31, 23, 59, 59, 0, time.UTC)
	decisions := map[string]int{}
	for i := 0; i < 400; i++ {
		p, src := randomPolicy(t, rng)
		script := scripts[rng.IntN(len(scripts))]
		s := p.NewSession(script)
		counts := map[string]int64{}
		for n := 0; n < 12; n++ {
			req := &Request{
				Script: script,
				Call:   calls[rng.IntN(len(calls))],
				Args:   argSets[rng.IntN(len(argSets))],
				Usage:  Usage{Steps: int64(n * 10), HostCalls: int64(n), Elapsed: time.Duration(n) * 200 * time.Millisecond, Calls: counts},
				Now:    start.Add(time.Duration(n) * time.Second),
			}
			want := refDecide(context.Background(), p, req)
			got := s.Decide(context.Background(), req.Call, req.Args, requestState{req})
			if diff := cmp.Diff(want, got, cmp.Comparer(sameErr)); diff != "" {
				t.Fatalf("policy %d call %d (%s by %s, args %v, hostCalls %d, calls %v):\n%s\n(-ref +session):\n%s",
					i, n, req.Call.Name, script.Tenant, req.Args, n, counts, src, diff)
			}
			var ee *EvalError
			switch {
			case errors.As(got.Err, &ee):
				decisions["error"]++
			case got.WouldDeny:
				decisions["audit-deny"]++
			case got.Allow:
				decisions["allow"]++
			default:
				decisions["deny"]++
			}
			if got.Allow {
				counts[req.Call.Name]++
			}
		}
	}
	// The random policies must reach every kind of outcome, or the test
	// proves little.
	for _, k := range []string{"allow", "deny", "error", "audit-deny"} {
		if decisions[k] < 50 {
			t.Errorf("only %d %s decisions in %v", decisions[k], k, decisions)
		}
	}
	t.Logf("decisions: %v", decisions)
}
