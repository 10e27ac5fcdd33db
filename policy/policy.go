package policy

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"

	"github.com/scriptrun/scriptrun/limits"
)

// Mode says whether a policy's denials take effect.
type Mode string

const (
	// Enforce denies calls the rules deny. It is the default.
	Enforce Mode = "enforce"
	// Audit evaluates the rules but allows every call, reporting would-be
	// denials in Decision.WouldDeny.
	Audit Mode = "audit"
)

// Limits are ceilings a policy puts on runs: a limits.Budget whose zero
// fields mean no ceiling for that field (not the default, as in a run's
// budget). Each field a policy may cap has its key under `limits:`
// (limits.Field.Key); Source has none, since the source budget applies at
// compile time, and a policy that sets it does not load.
type Limits = limits.Budget

// Rule is one policy rule. Exactly one of Allow and Deny is non-empty.
// A Rule belongs to its Policy once compiled and must not be modified.
type Rule struct {
	Name    string
	Match   string   // CEL: which scripts the rule is for; "" = all
	Allow   []string // capability patterns: "kv.get", "kv.*", "*"
	Deny    []string
	When    string // CEL: whether the rule applies to the call; "" = always
	Message string // CEL producing the denial message; "" = none
	Pos     Pos    // where the rule starts in the file

	loc    [3]exprLoc // match, when, message source positions
	capPos []Pos      // positions of Allow then Deny entries, set by the parser
}

// Policy is a compiled policy. It is immutable and safe for concurrent use
// by any number of goroutines.
type Policy struct {
	Name   string
	Mode   Mode
	Limits Limits
	// CatchableDenials makes a denial a catchable error in the script
	// instead of ending the run.
	CatchableDenials bool
	// LogArgs puts the argument values of this policy's runs' host calls
	// into the audit log (YAML `audit: {args: true}`); values of params
	// marked secret are redacted.
	LogArgs bool
	Rules   []*Rule
	// Containment is the policy's containment section (nil: none).
	Containment *Containment

	// What Decide reads: a private copy made by New and Parse, so that a
	// caller changing Mode or Rules afterwards changes no decision.
	audit    bool
	rules    []*rule
	adapter  types.Adapter
	caps     []string // Options.Capabilities names, sorted; nil if not given
	warnings []Issue
	revision string
}

// Options configures loading.
type Options struct {
	MaxCost   uint64 // estimated-cost ceiling per expression at load; 0 = 100000
	CostLimit uint64 // runtime cost limit per evaluation; 0 = 100000

	// Capabilities, when non-nil, are the host functions the policy's
	// runs may call (a host's registered modules). Each capability name in
	// a rule must then be one of them and each pattern (kv.*, *) must match
	// one, or loading fails; usage.calls holds every one of them (0 until
	// called); and rules reading an optional argument without has() get a
	// warning (see Policy.Warnings). nil checks nothing of the kind.
	Capabilities []Capability
}

// Capability describes one host function to the policy checks.
type Capability struct {
	Name string // "kv.get"
	// Optional names the keys of `args` a call may lack (the function's
	// optional params). Leave it nil when the policy sees args the params
	// do not describe (bridge.Func.PolicyArgs).
	Optional []string
}

// Script describes the running script. Its fields are visible to CEL as
// script.name, script.lang, script.sha256, script.tenant and script.labels.
type Script struct {
	Name   string            `cel:"name"`
	Lang   string            `cel:"lang"`
	SHA256 string            `cel:"sha256"`
	Tenant string            `cel:"tenant"`
	Labels map[string]string `cel:"labels"`

	vals *[4]ref.Val // name, lang, sha256, tenant as CEL sees them, set by Session
}

// Call describes a host call: Name is "module.function".
type Call struct {
	Name     string `cel:"name"`
	Module   string `cel:"module"`
	Function string `cel:"function"`

	vals *[3]ref.Val // name, module, function as CEL sees them, set by Session
}

// Usage is what the run has consumed so far. Calls counts calls per
// capability name.
type Usage struct {
	Steps     int64            `cel:"steps"`
	HostCalls int64            `cel:"hostCalls"`
	Elapsed   time.Duration    `cel:"elapsed"`
	Calls     map[string]int64 `cel:"calls"`

	calls ref.Val // Calls as CEL sees it, set by Session
}

// Request is the input to Decide. Args values must be nil, bool, int64,
// float64, string, []byte, []any or map[string]any (nested).
type Request struct {
	Script Script
	Call   Call
	Args   map[string]any
	Usage  Usage
	Now    time.Time
}

// Decision is the outcome of Decide.
type Decision struct {
	Allow bool
	// Rule is the deny or failing rule that decided, or else the first allow
	// rule that applied; "" if no rule applied.
	Rule string
	// Message is the deny rule's evaluated message, or the evaluation error
	// text of a failing rule, or a fixed text.
	Message string
	// Authored is set when Message is the deny rule's own message (its
	// message expression evaluated), not a fixed text that only restates
	// the rule or the call.
	Authored bool
	// WouldDeny is set in audit mode when the call would have been denied;
	// Allow is then true.
	WouldDeny bool
	// Err is an *EvalError when a rule failed to evaluate (counting as a
	// deny), or the ctx's error when ctx was done before the decision; nil
	// otherwise.
	Err error
}

var capPattern = regexp.MustCompile(`^(\*|[a-z][a-z0-9_]*\.(\*|[a-z][a-z0-9_]*))$`)

// New validates and compiles a policy built in Go. Rules' Pos may be zero.
// The returned policy is a new value; p is not modified, but the Rule values
// are copied, so p can be reused.
func New(p Policy, opts Options) (*Policy, error) {
	var is issues
	np := compile(&p, opts, true, &is)
	if err := is.err(); err != nil {
		return nil, err
	}
	return np, nil
}

// compile validates p and compiles its expressions, adding problems to is.
// With check false, the structural checks already done by the parser are
// skipped.
func compile(p *Policy, opts Options, check bool, is *issues) *Policy {
	np := *p
	np.Rules = make([]*Rule, len(p.Rules))
	np.rules = make([]*rule, 0, len(p.Rules))
	costLimit := opts.CostLimit
	if costLimit == 0 {
		costLimit = defaultCostLimit
	}
	maxCost := opts.MaxCost
	if maxCost == 0 {
		maxCost = defaultMaxCost
	}
	if check && np.Name == "" {
		is.add(Pos{File: posFile(p)}, "policy name is required")
	}
	switch np.Mode {
	case "":
		np.Mode = Enforce
	case Enforce, Audit:
	default:
		is.add(Pos{File: posFile(p)}, "mode %q: want enforce or audit", np.Mode)
	}
	if err := np.Limits.Validate("limits"); err != nil {
		is.add(Pos{File: posFile(p)}, "%v", err)
	}
	for _, f := range limits.Fields() {
		if f.Key == "" && f.Get(np.Limits) != 0 {
			is.add(Pos{File: posFile(p)}, "limits: a policy cannot cap %s", f.Name)
		}
	}
	env, err := newEnv()
	if err != nil {
		is.add(Pos{}, "internal error: CEL environment: %v", err)
		return nil
	}
	seen := map[string]bool{}
	for i, r := range p.Rules {
		if r == nil {
			is.add(Pos{}, "rule %d is nil", i)
			continue
		}
		nr := *r
		nr.Allow = append([]string(nil), r.Allow...)
		nr.Deny = append([]string(nil), r.Deny...)
		np.Rules[i] = &nr
		cr := newRule(&nr)
		np.rules = append(np.rules, cr)
		what := fmt.Sprintf("rule %q", r.Name)
		if r.Name == "" {
			what = fmt.Sprintf("rule %d", i+1)
			if check {
				is.add(r.Pos, "%s: name is required", what)
			}
		} else if seen[r.Name] {
			is.add(r.Pos, "%s: duplicate rule name", what)
		}
		seen[r.Name] = true
		switch {
		case !check:
		case len(r.Allow) > 0 && len(r.Deny) > 0:
			is.add(r.Pos, "%s: has both allow and deny", what)
		case len(r.Allow) == 0 && len(r.Deny) == 0:
			is.add(r.Pos, "%s: needs a non-empty allow or deny list", what)
		}
		for k, c := range append(append([]string(nil), r.Allow...), r.Deny...) {
			pos := r.Pos
			if k < len(r.capPos) {
				pos = r.capPos[k]
			}
			if check && !capPattern.MatchString(c) {
				is.add(pos, "%s: bad capability pattern %q (want module.function, module.* or *)", what, c)
				continue
			}
			if opts.Capabilities != nil {
				checkCap(c, opts.Capabilities, pos, what, is)
			}
		}
		var optional map[string]string
		if opts.Capabilities != nil {
			optional = optionalArgs(append(append([]string(nil), r.Allow...), r.Deny...), opts.Capabilities)
		}
		exprs := []struct {
			name, src string
			want      *cel.Type
		}{
			{"match", r.Match, cel.BoolType},
			{"when", r.When, cel.BoolType},
			{"message", r.Message, cel.StringType},
		}
		for j, e := range exprs {
			if strings.TrimSpace(e.src) == "" {
				continue
			}
			loc := r.loc[j]
			if loc.pos.Line == 0 {
				loc = exprLoc{pos: r.Pos, fixed: true}
			}
			if x, ok := compileExpr(env, e.src, e.want, maxCost, costLimit, loc, what+": "+e.name, optional, opts.Capabilities, is); ok {
				cr.expr[j] = x
			}
		}
	}
	if opts.Capabilities != nil {
		np.caps = make([]string, 0, len(opts.Capabilities))
		for _, c := range opts.Capabilities {
			np.caps = append(np.caps, c.Name)
		}
		sort.Strings(np.caps)
	}
	sort.SliceStable(is.warn, func(i, j int) bool {
		a, b := is.warn[i].Pos, is.warn[j].Pos
		return a.Line < b.Line || a.Line == b.Line && a.Col < b.Col
	})
	if p.Containment != nil {
		np.Containment = compileContainment(p.Containment, np.Mode, opts, posFile(p), is)
	}
	np.warnings = is.warn
	np.audit = np.Mode == Audit
	np.adapter = env.CELTypeAdapter()
	np.revision = revisionOf(&np)
	return &np
}

// posFile returns the file name of the first rule with a position, for
// policy-level problems in policies built with New.
func posFile(p *Policy) string {
	for _, r := range p.Rules {
		if r != nil && r.Pos.File != "" {
			return r.Pos.File
		}
	}
	return ""
}

func compileExpr(env *cel.Env, src string, want *cel.Type, maxCost, costLimit uint64, loc exprLoc, what string, optional map[string]string, caps []Capability, is *issues) (expr, bool) {
	ast, iss := env.Compile(src)
	if iss != nil && iss.Err() != nil {
		for _, e := range iss.Errors() {
			is.list = append(is.list, Issue{
				Pos: loc.at(e.Location.Line(), e.Location.Column()),
				Msg: what + ": " + e.Message + snippet(src, e.Location),
			})
		}
		return expr{}, false
	}
	if !ast.OutputType().IsExactType(want) && !ast.OutputType().IsExactType(cel.DynType) {
		is.add(loc.at(1, 0), "%s: expression has type %s, want %s%s", what,
			ast.OutputType(), want, snippet(src, common.NewLocation(1, 0)))
		return expr{}, false
	}
	est, err := env.EstimateCost(ast, estimator{})
	if err != nil {
		is.add(loc.at(1, 0), "%s: estimating cost: %v", what, err)
		return expr{}, false
	}
	if est.Max > maxCost {
		is.add(loc.at(1, 0), "%s: estimated cost %s exceeds the limit %d%s", what,
			costString(est.Max), maxCost, snippet(src, common.NewLocation(1, 0)))
		return expr{}, false
	}
	var x expr
	x.reads, x.loops = inspect(ast.NativeRep().Expr())
	x.untracked = !x.loops && sizeFree(env, ast, costLimit)
	opts := []cel.ProgramOption{cel.CostLimit(costLimit), cel.InterruptCheckFrequency(100)}
	if x.untracked {
		opts = nil
	}
	prog, err := env.Program(ast, opts...)
	if err != nil {
		is.add(loc.at(1, 0), "%s: %v", what, err)
		return expr{}, false
	}
	x.prog = prog
	mapReads(ast, src, loc, what, optional, is)
	if caps != nil {
		capLiterals(ast, src, loc, what, caps, is)
	}
	if !x.untracked && !x.loops {
		if x.fastBelow = fastBelow(env, ast, costLimit); x.fastBelow > 0 {
			if x.fast, err = env.Program(ast); err != nil {
				x.fast, x.fastBelow = nil, 0
			}
		}
	}
	return x, true
}

func costString(c uint64) string {
	if c == ^uint64(0) {
		return "unbounded"
	}
	return fmt.Sprint(c)
}

// snippet renders the expression line holding loc with a caret under the
// column, like cel-go's issues.
func snippet(src string, loc common.Location) string {
	lines := strings.Split(src, "\n")
	n := loc.Line()
	if n < 1 || n > len(lines) {
		return ""
	}
	line := strings.ReplaceAll(lines[n-1], "\t", " ")
	col := loc.Column()
	var b strings.Builder
	b.WriteString("\n | ")
	b.WriteString(line)
	b.WriteString("\n | ")
	for i, r := range []rune(line) {
		if i >= col {
			break
		}
		if r > 0x7f {
			b.WriteString("\uff0e")
		} else {
			b.WriteByte('.')
		}
	}
	b.WriteByte('^')
	return b.String()
}
