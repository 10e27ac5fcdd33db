package policy

import (
	"context"

	"cel.dev/cel-go/common/types"
)

// Outcome is what one rule did for a call in a trace.
type Outcome string

const (
	// NotForCall: none of the rule's capability patterns names the call.
	NotForCall Outcome = "not-for-call"
	// NoMatch: the rule's match or when expression is false.
	NoMatch Outcome = "no-match"
	// Applied: the rule's patterns, match and when all hold.
	Applied Outcome = "applied"
	// Errored: match, when or message failed to evaluate (a deny).
	Errored Outcome = "errored"
)

// RuleTrace is one rule's part in a decision.
type RuleTrace struct {
	Rule    string  `json:"rule"`
	Pos     Pos     `json:"-"` // where the rule starts, if known (not in JSON: the CLI renders it)
	Deny    bool    `json:"deny"`
	Outcome Outcome `json:"outcome"`
	// Expr is the expression that was false ("match" or "when") or that
	// failed; "" otherwise.
	Expr string `json:"expr,omitempty"`
	// Message is a deny rule's evaluated message when it applied, or the
	// evaluation error text when it errored.
	Message string `json:"message,omitempty"`
	// Decided marks the rule that Decision.Rule names.
	Decided bool `json:"decided,omitempty"`
}

// Trace decides req like Decide and also evaluates every rule on its own,
// in policy order, saying for each whether it applied, did not match or
// errored and why. Decide stops at the first deny and skips allow rules
// after the first that applies; Trace evaluates them all, for authors
// asking why a decision came out as it did. It is slower than Decide.
func (p *Policy) Trace(ctx context.Context, req *Request) (Decision, []RuleTrace) {
	d := p.Decide(ctx, req)
	s := p.NewSession(req.Script)
	s.mu.Lock()
	defer s.mu.Unlock()
	pl := s.plan(ctx, req.Call) // only for the call's prepared value
	act := &activation{s: s, call: pl.call, callName: req.Call.Name, args: req.Args, st: requestState{req},
		callSize: pl.callSize, argsSize: -1, usageSize: -1}
	out := make([]RuleTrace, 0, len(p.rules))
	for _, r := range p.rules {
		t := RuleTrace{Rule: r.name, Pos: r.pos, Deny: r.deny, Outcome: Applied}
		switch {
		case !matchAny(r.pats, req.Call.Name):
			t.Outcome = NotForCall
		default:
			for i := 0; i < 2 && t.Outcome == Applied; i++ {
				ok, err := s.evalBool(ctx, r, i, r.expr[i].prog, act)
				switch {
				case err != nil:
					t.Outcome, t.Expr, t.Message = Errored, exprNames[i], evalErrText(err)
				case !ok:
					t.Outcome, t.Expr = NoMatch, exprNames[i]
				}
			}
			if t.Outcome == Applied && r.deny && r.expr[2].prog != nil {
				v, err := s.eval(ctx, r, 2, r.expr[2].prog, act)
				if m, ok := v.(types.String); err == nil && ok {
					t.Message = string(m)
				} else if err != nil {
					t.Outcome, t.Expr, t.Message = Errored, "message", evalErrText(err)
				}
			}
		}
		t.Decided = d.Rule != "" && d.Rule == r.name
		out = append(out, t)
	}
	return d, out
}

// evalErrText is an evaluation error without the rule and expression the
// trace already names.
func evalErrText(err error) string {
	if ee, ok := err.(*EvalError); ok {
		return ee.Err.Error()
	}
	return err.Error()
}
