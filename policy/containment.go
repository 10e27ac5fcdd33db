package policy

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"time"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common"
	"cel.dev/cel-go/ext"

	"github.com/scriptrun/scriptrun/limits"
)

// Action is what a containment rule does when it fires.
type Action string

// The containment actions.
const (
	// Warn logs a containment.warn event and does nothing else.
	Warn Action = "warn"
	// Tighten clamps the script's next runs' budgets to the rule's Limits.
	Tighten Action = "tighten"
	// Revoke denies the rule's Revoke capabilities to the script, from its
	// runs' next host call on (also mid-run).
	Revoke Action = "revoke"
	// Quarantine refuses the script's runs.
	Quarantine Action = "quarantine"
)

// Containment is a policy's `containment:` section: rules over a script's
// run statistics (Stats) on which the containment monitor (package contain)
// acts. A Containment belongs to its Policy once compiled and must not be
// modified.
type Containment struct {
	// Mode Audit logs the actions the rules call for without taking them.
	// Unset, it is the policy's mode.
	Mode Mode
	// Window is the span of Stats' run statistics (default 10m); History
	// that of Stats.History, the script's own longer record (default 24h).
	Window, History time.Duration
	Rules           []*ContainmentRule
	Pos             Pos // where the section starts in the file

	env *cel.Env
}

// ContainmentRule is one containment rule: when When holds over `stats`,
// the monitor takes Action on the script for For.
type ContainmentRule struct {
	Name   string
	When   string // CEL over `stats` (Stats), bool
	Action Action
	// For is how long the action lasts; a warn is not repeated within it
	// (default: the section's Window, for warn only).
	For time.Duration
	// Revoke lists the capability patterns an Action Revoke takes away
	// ("http.*", "kv.set").
	Revoke []string
	// Limits are the ceilings of an Action Tighten (zero fields: none).
	Limits Limits
	Pos    Pos // where the rule starts in the file

	whenLoc exprLoc
	capPos  []Pos
	prog    cel.Program
}

// Stats are a script's run statistics as containment rules see them (the
// CEL variable `stats`). The counts cover the section's Window, except
// History (the longer record) and the capability and host sets (ever).
type Stats struct {
	Tenant string `cel:"tenant"`
	Script string `cel:"script"` // the script's name (what the monitor keys on)
	SHA256 string `cel:"sha256"` // the latest run's source
	// NewVersion: the latest run's sha256 differs from the run before.
	NewVersion bool `cel:"newVersion"`

	Runs        int64   `cel:"runs"`        // finished runs
	Failures    int64   `cel:"failures"`    // runs that ended in an error
	FailureRate float64 `cel:"failureRate"` // failures / runs (0 without runs)
	// FailuresByKind counts failures by error kind ("limit", "denied", ...).
	FailuresByKind map[string]int64 `cel:"failuresByKind"`
	// FailureStreak is the number of failed runs since the last success
	// (not bounded by the window).
	FailureStreak int64 `cel:"failureStreak"`

	HostCalls  int64            `cel:"hostCalls"`  // host calls decided
	Denials    int64            `cel:"denials"`    // host calls denied (or that would be, in audit mode)
	DenialRate float64          `cel:"denialRate"` // denials / hostCalls (0 without calls)
	Calls      map[string]int64 `cel:"calls"`      // host calls per capability
	Denied     map[string]int64 `cel:"denied"`     // denials per capability

	CPU    Measure `cel:"cpu"`    // CPU time of runs, in milliseconds
	Memory Measure `cel:"memory"` // memory of runs, in bytes
	// History is the same script's longer record, to compare the window with.
	History History `cel:"history"`

	// Capabilities and Hosts are the capabilities the script has been
	// allowed to use and the hosts (of `url` arguments) it has reached,
	// ever; NewCapabilities and NewHosts those among them first seen in the
	// event being evaluated (a run or a host call). Sets are capped (see
	// package contain); past the cap an unseen one is new every time.
	Capabilities    []string `cel:"capabilities"`
	NewCapabilities []string `cel:"newCapabilities"`
	Hosts           []string `cel:"hosts"`
	NewHosts        []string `cel:"newHosts"`
}

// Measure is the mean and maximum of a quantity over runs.
type Measure struct {
	Mean float64 `cel:"mean"`
	Max  float64 `cel:"max"`
}

// History is a script's record over the longer History span.
type History struct {
	Runs        int64   `cel:"runs"`
	Failures    int64   `cel:"failures"`
	FailureRate float64 `cel:"failureRate"`
	DenialRate  float64 `cel:"denialRate"`
	CPU         Measure `cel:"cpu"`
	Memory      Measure `cel:"memory"`
}

// Default spans of a containment section.
const (
	DefaultWindow  = 10 * time.Minute
	DefaultHistory = 24 * time.Hour
)

// Eval evaluates every rule over s and returns the rules that fire, in
// order, and the errors of rules that failed to evaluate (an *EvalError
// each, Expr "when"). A rule that fails does not fire: statistics are the
// host's own numbers, not the script's, and a rule reading a key that is
// absent (a capability never called) says nothing about the script.
func (c *Containment) Eval(ctx context.Context, s *Stats) (fired []*ContainmentRule, errs []error) {
	act := map[string]any{"stats": s}
	for _, r := range c.Rules {
		if r.prog == nil {
			continue
		}
		v, _, err := r.prog.ContextEval(ctx, act)
		if err == nil {
			b, ok := v.Value().(bool)
			if !ok {
				err = fmt.Errorf("got %v, want a bool", v)
			} else if b {
				fired = append(fired, r)
			}
		}
		if err != nil {
			errs = append(errs, &EvalError{Rule: r.Name, Expr: "when", Pos: r.Pos, Err: err})
		}
	}
	return fired, errs
}

func newContainEnv() (*cel.Env, error) {
	return cel.NewEnv(
		ext.NativeTypes(reflect.TypeFor[Stats](), ext.ParseStructTags(true)),
		cel.Variable("stats", cel.ObjectType("policy.Stats")),
		ext.Strings(),
		ext.Math(),
		ext.Lists(),
		ext.Sets(),
	)
}

// compileContainment validates c and compiles its rules into a copy.
// An unset mode is the policy's (polMode, already defaulted): a policy
// tried out in audit mode does not act through its containment rules
// either, unless they say enforce.
func compileContainment(c *Containment, polMode Mode, opts Options, file string, is *issues) *Containment {
	nc := *c
	pos := c.Pos
	if pos.File == "" {
		pos.File = file
	}
	switch nc.Mode {
	case "":
		nc.Mode = polMode
	case Enforce, Audit:
	default:
		is.add(pos, "containment: mode %q: want enforce or audit", nc.Mode)
	}
	if nc.Window < 0 || nc.History < 0 {
		is.add(pos, "containment: window and history must not be negative")
	}
	if nc.Window == 0 {
		nc.Window = DefaultWindow
	}
	if nc.History == 0 {
		nc.History = DefaultHistory
	}
	if nc.History < nc.Window {
		is.add(pos, "containment: history (%s) is shorter than window (%s)", nc.History, nc.Window)
	}
	env, err := newContainEnv()
	if err != nil {
		is.add(pos, "internal error: containment CEL environment: %v", err)
		return &nc
	}
	nc.env = env
	costLimit, maxCost := opts.CostLimit, opts.MaxCost
	if costLimit == 0 {
		costLimit = defaultCostLimit
	}
	if maxCost == 0 {
		maxCost = defaultMaxCost
	}
	nc.Rules = make([]*ContainmentRule, 0, len(c.Rules))
	seen := map[string]bool{}
	for i, r := range c.Rules {
		if r == nil {
			is.add(pos, "containment: rule %d is nil", i+1)
			continue
		}
		nr := *r
		nr.Revoke = append([]string(nil), r.Revoke...)
		nc.Rules = append(nc.Rules, &nr)
		rpos := r.Pos
		if rpos.Line == 0 {
			rpos = pos
		}
		what := fmt.Sprintf("containment rule %q", r.Name)
		if r.Name == "" {
			what = fmt.Sprintf("containment rule %d", i+1)
			is.add(rpos, "%s: name is required", what)
		} else if seen[r.Name] {
			is.add(rpos, "%s: duplicate rule name", what)
		}
		seen[r.Name] = true
		switch r.Action {
		case Warn:
			if nr.For == 0 {
				nr.For = nc.Window
			}
		case Tighten, Revoke, Quarantine:
			if r.For <= 0 {
				is.add(rpos, "%s: %s needs a positive duration in for", what, r.Action)
			}
		case "":
			is.add(rpos, "%s: action is required (warn, tighten, revoke or quarantine)", what)
		default:
			is.add(rpos, "%s: action %q: want warn, tighten, revoke or quarantine", what, r.Action)
		}
		if (r.Action == Revoke) != (len(r.Revoke) > 0) {
			if r.Action == Revoke {
				is.add(rpos, "%s: revoke needs a non-empty revoke list", what)
			} else {
				is.add(rpos, "%s: a revoke list belongs to action revoke only", what)
			}
		}
		l := r.Limits
		if (r.Action == Tighten) != (l != Limits{}) {
			if r.Action == Tighten {
				is.add(rpos, "%s: tighten needs limits", what)
			} else {
				is.add(rpos, "%s: limits belong to action tighten only", what)
			}
		}
		if err := l.Validate("limits"); err != nil {
			is.add(rpos, "%s: %v", what, err)
		}
		for _, f := range limits.Fields() {
			if f.Key == "" && f.Get(l) != 0 {
				is.add(rpos, "%s: limits: a policy cannot cap %s", what, f.Name)
			}
		}
		for k, cp := range r.Revoke {
			p := rpos
			if k < len(r.capPos) {
				p = r.capPos[k]
			}
			if !capPattern.MatchString(cp) {
				is.add(p, "%s: bad capability pattern %q (want module.function, module.* or *)", what, cp)
				continue
			}
			if opts.Capabilities != nil {
				checkCap(cp, opts.Capabilities, p, what, is)
			}
		}
		if strings.TrimSpace(r.When) == "" {
			is.add(rpos, "%s: when is required", what)
			continue
		}
		loc := r.whenLoc
		if loc.pos.Line == 0 {
			loc = exprLoc{pos: rpos, fixed: true}
		}
		nr.prog = compileStatsExpr(env, r.When, maxCost, costLimit, loc, what+": when", is)
	}
	return &nc
}

func compileStatsExpr(env *cel.Env, src string, maxCost, costLimit uint64, loc exprLoc, what string, is *issues) cel.Program {
	ast, iss := env.Compile(src)
	if iss != nil && iss.Err() != nil {
		for _, e := range iss.Errors() {
			is.list = append(is.list, Issue{
				Pos: loc.at(e.Location.Line(), e.Location.Column()),
				Msg: what + ": " + e.Message + snippet(src, e.Location),
			})
		}
		return nil
	}
	if !ast.OutputType().IsExactType(cel.BoolType) && !ast.OutputType().IsExactType(cel.DynType) {
		is.add(loc.at(1, 0), "%s: expression has type %s, want bool%s", what,
			ast.OutputType(), snippet(src, common.NewLocation(1, 0)))
		return nil
	}
	est, err := env.EstimateCost(ast, estimator{})
	if err != nil {
		is.add(loc.at(1, 0), "%s: estimating cost: %v", what, err)
		return nil
	}
	if est.Max > maxCost {
		is.add(loc.at(1, 0), "%s: estimated cost %s exceeds the limit %d%s", what,
			costString(est.Max), maxCost, snippet(src, common.NewLocation(1, 0)))
		return nil
	}
	prog, err := env.Program(ast, cel.CostLimit(costLimit), cel.InterruptCheckFrequency(100))
	if err != nil {
		is.add(loc.at(1, 0), "%s: %v", what, err)
		return nil
	}
	return prog
}

// canonical is the section's part of the policy revision.
func (c *Containment) canonical() any {
	type rule struct {
		Name, When string
		Action     Action
		For        time.Duration
		Revoke     []string
		Limits     Limits
	}
	out := struct {
		Mode            Mode
		Window, History time.Duration
		Rules           []rule
	}{Mode: c.Mode, Window: c.Window, History: c.History}
	for _, r := range c.Rules {
		out.Rules = append(out.Rules, rule{r.Name, r.When, r.Action, r.For, r.Revoke, r.Limits})
	}
	return out
}
