package policy

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"time"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/interpreter"
)

// rule is the compiled form of a Rule, private to the Policy so that
// changing the exported Rule values after New or Parse changes nothing.
type rule struct {
	name   string
	deny   bool
	pats   []string
	pos    Pos
	expr   [3]expr // match, when, message; a zero expr is absent
	denied string  // the fixed denial message
}

var exprNames = [3]string{"match", "when", "message"}

func newRule(r *Rule) *rule {
	nr := &rule{name: r.Name, pats: r.Allow, pos: r.Pos, denied: fmt.Sprintf("denied by rule %q", r.Name)}
	if len(r.Deny) > 0 {
		nr.deny, nr.pats = true, r.Deny
	}
	return nr
}

// Variables an expression reads, as bits of expr.reads.
const (
	readsScript = 1 << iota
	readsCall
	readsArgs
	readsUsage
	readsNow
)

var varBits = [...]struct {
	name string
	bit  uint8
}{{"script", readsScript}, {"call", readsCall}, {"args", readsArgs}, {"usage", readsUsage}, {"now", readsNow}}

// expr is one compiled expression of a rule.
type expr struct {
	prog  cel.Program
	reads uint8 // the variables the expression names
	loops bool  // it has a comprehension, the only place CEL polls ctx
	// untracked: evaluated without the runtime cost tracker, because its
	// cost cannot reach the limit whatever its inputs (see sizeFree).
	untracked bool
	// fast is prog without the cost tracker, used for a call whose inputs
	// the expression reads all have sizes up to fastBelow (see fastBelow).
	fast      cel.Program
	fastBelow uint64
}

// static says whether the expression reads nothing but script and call, so
// that its value is fixed for one run's calls of one capability. The CEL
// standard library, the extensions in newEnv and the custom functions are
// pure functions of their arguments (CEL has no clock or randomness), so
// such an expression evaluates to the same value every time.
func (x *expr) static() bool { return x.reads&^(readsScript|readsCall) == 0 }

// inspect returns which variables e names and whether it has a
// comprehension. Every variable reference is an identifier in the AST; a
// comprehension variable that shadows a variable counts as a reference,
// which only makes an expression look less static than it is.
func inspect(e ast.Expr) (reads uint8, loops bool) {
	ast.PreOrderVisit(e, ast.NewExprVisitor(func(e ast.Expr) {
		switch e.Kind() {
		case ast.ComprehensionKind:
			loops = true
		case ast.IdentKind:
			name := e.AsIdent()
			for _, v := range varBits {
				if name == v.name || strings.HasPrefix(name, v.name+".") {
					reads |= v.bit
				}
			}
		}
	}))
	return reads, loops
}

// State is what a Session reads about the run when a rule needs it: the
// usage so far and the clock. Each is read at most once per Decide, and only
// if a rule evaluated for the call names usage or now. Usage().Calls is only
// read during that Decide, so it may be the caller's live map; it must not
// change while Decide runs.
type State interface {
	Usage() Usage
	Now() time.Time
}

// Session decides the host calls of one run: one script, many calls. It
// works out once per run and capability what does not change between the
// calls: which rules' capability patterns match, the value of every match,
// when and message expression that reads only script and call (typically
// match conditions), and so which rules can never apply or always apply.
// Per call it evaluates only the expressions that read args, usage or now,
// with one reused activation. Its decisions are exactly those of Decide
// with the same inputs.
//
// A Session is safe for concurrent use (calls are decided one at a time);
// it holds one entry per capability it has decided, so give each run its
// own Session.
type Session struct {
	p          *Policy
	scriptBuf  Script // what script refers to, with its fields prepared
	script     ref.Val
	scriptSize int // the largest size in script (see fastBelow)

	mu    sync.Mutex
	plans map[Call]*plan
	act   activation // reused by each Decide, under mu

	// The CEL map over the last usage.calls map seen, which reads it live:
	// a run's State gives the same map at every call.
	calls    map[string]int64
	callsVal ref.Val
	// prefilled is usage.calls with a 0 for every known capability and the
	// call's own, refilled at each call that reads usage (under mu).
	prefilled map[string]int64
}

// NewSession returns a Session deciding calls of the script s. The Labels
// map is copied.
func (p *Policy) NewSession(s Script) *Session {
	if s.Labels != nil {
		labels := make(map[string]string, len(s.Labels))
		for k, v := range s.Labels {
			labels[k] = v
		}
		s.Labels = labels
	}
	ss := &Session{p: p, plans: map[Call]*plan{}}
	ss.scriptBuf = s
	ss.scriptBuf.vals = &[4]ref.Val{types.String(s.Name), types.String(s.Lang), types.String(s.SHA256), types.String(s.Tenant)}
	ss.script = ss.value(&ss.scriptBuf)
	ss.scriptSize = max(len(s.Name), len(s.Lang), len(s.SHA256), len(s.Tenant), len(s.Labels))
	for k, v := range s.Labels {
		ss.scriptSize = max(ss.scriptSize, len(k), len(v))
	}
	return ss
}

// value converts a Go value for CEL as evaluation would have.
func (s *Session) value(v any) ref.Val {
	if s.p.adapter == nil { // a Policy not made by New or Parse: no rules
		return types.DefaultTypeAdapter.NativeToValue(v)
	}
	return s.p.adapter.NativeToValue(v)
}

// callsValue returns m as CEL sees it, made once per map.
func (s *Session) callsValue(m map[string]int64) ref.Val {
	if m == nil {
		return nil
	}
	if s.callsVal == nil || reflect.ValueOf(m).UnsafePointer() != reflect.ValueOf(s.calls).UnsafePointer() {
		s.calls, s.callsVal = m, s.value(m)
	}
	return s.callsVal
}

// prefill returns calls with a 0 for every capability the policy knows
// (Options.Capabilities) and for the call's own capability name, so that
// usage.calls[call.name] reads 0 on a run's first call instead of failing.
// It returns calls itself when nothing is missing, else a map the Session
// reuses (the CEL value over it is then made once per run).
func (s *Session) prefill(calls map[string]int64, name string) map[string]int64 {
	missing := name != ""
	if missing {
		_, has := calls[name]
		missing = !has
	}
	for _, c := range s.p.caps {
		if missing {
			break
		}
		_, has := calls[c]
		missing = !has
	}
	if !missing {
		return calls
	}
	if s.prefilled == nil {
		s.prefilled = make(map[string]int64, len(s.p.caps)+len(calls)+1)
	}
	m := s.prefilled
	clear(m)
	for _, c := range s.p.caps {
		m[c] = 0
	}
	if name != "" {
		m[name] = 0
	}
	for k, v := range calls {
		m[k] = v
	}
	return m
}

// plan is what a Session knows of one capability for the run: the rules to
// visit per call, in policy order, with their expressions that are known
// true removed.
type plan struct {
	callBuf  Call // what call refers to, with its fields prepared
	call     ref.Val
	callSize int // the largest size in call
	steps    []step
}

// step is one rule to visit. A nil match or when is true.
type step struct {
	r           *rule
	match, when cel.Program
	message     string // the message when it is static and evaluated; else ""
}

// plan returns the plan for call, building it on first use.
func (s *Session) plan(ctx context.Context, call Call) *plan {
	if pl := s.plans[call]; pl != nil {
		return pl
	}
	pl := &plan{callBuf: call, callSize: max(len(call.Name), len(call.Module), len(call.Function))}
	pl.callBuf.vals = &[3]ref.Val{types.String(call.Name), types.String(call.Module), types.String(call.Function)}
	pl.call = s.value(&pl.callBuf)
	act := &activation{s: s, call: pl.call, static: true, callSize: pl.callSize, argsSize: -1, usageSize: -1}
	allowed := false // a rule that always applies allows the call
	for _, r := range s.p.rules {
		if (!r.deny && allowed) || !matchAny(r.pats, call.Name) {
			continue
		}
		st := step{r: r, match: r.expr[0].prog, when: r.expr[1].prog}
		// A static expression that fails to evaluate stays in the plan
		// and fails again, as it would have, when the call reaches it.
		if st.match != nil && r.expr[0].static() {
			if ok, err := s.evalBool(ctx, r, 0, st.match, act); err == nil {
				if !ok {
					continue // never applies; its when is never evaluated
				}
				st.match = nil
			}
		}
		if st.when != nil && r.expr[1].static() {
			if ok, err := s.evalBool(ctx, r, 1, st.when, act); err == nil {
				switch {
				case ok:
					st.when = nil
				case st.match == nil:
					continue // never applies
				}
				// else: the match expression must still be evaluated (it
				// may fail), so the rule stays as it is.
			}
		}
		if r.deny && r.expr[2].prog != nil && r.expr[2].static() {
			if v, err := s.eval(ctx, r, 2, r.expr[2].prog, act); err == nil {
				if m, ok := v.(types.String); ok {
					st.message = string(m)
				}
			}
		}
		pl.steps = append(pl.steps, st)
		if st.match == nil && st.when == nil {
			if r.deny {
				break // it denies every call that reaches it
			}
			allowed = true
		}
	}
	s.plans[call] = pl
	return pl
}

// Decide decides one call of the session's script with the arguments args
// (see Request.Args) and the run's state st, like Policy.Decide.
func (s *Session) Decide(ctx context.Context, call Call, args map[string]any, st State) Decision {
	d := s.decide(ctx, call, args, st)
	if s.p.audit && !d.Allow {
		d.Allow = true
		d.WouldDeny = true
	}
	return d
}

func (s *Session) decide(ctx context.Context, call Call, args map[string]any, st State) Decision {
	if err := ctx.Err(); err != nil {
		err = ctxError(ctx, err)
		return Decision{Message: "no decision: " + err.Error(), Err: err}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	pl := s.plan(ctx, call)
	act := &s.act
	*act = activation{s: s, call: pl.call, callName: call.Name, args: args, st: st, callSize: pl.callSize, argsSize: -1, usageSize: -1}
	defer func() { *act = activation{} }() // keep nothing of the call
	allowRule := ""
	for i := range pl.steps {
		stp := &pl.steps[i]
		r := stp.r
		if !r.deny && allowRule != "" {
			continue // an allow rule already applied; only denies matter now
		}
		ok, err := s.evalBool(ctx, r, 0, stp.match, act)
		if err == nil && ok {
			ok, err = s.evalBool(ctx, r, 1, stp.when, act)
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
		msg, authored := stp.message, stp.message != ""
		if msg == "" {
			msg = r.denied
			if prog := r.expr[2].prog; prog != nil {
				v, err := s.eval(ctx, r, 2, prog, act)
				if m, isStr := v.(types.String); err == nil && isStr {
					msg, authored = string(m), true
				}
			}
		}
		return Decision{Rule: r.name, Message: msg, Authored: authored}
	}
	if allowRule != "" {
		return Decision{Allow: true, Rule: allowRule}
	}
	return Decision{Message: fmt.Sprintf("no rule allows %q", call.Name)}
}

// Decide evaluates the policy for one host call. Rules are visited in order;
// a rule is skipped unless one of its capability patterns matches the call,
// its match expression is true and its when expression is true. The first
// applying deny rule, or the first rule that fails to evaluate, decides
// (deny); otherwise the call is allowed iff an allow rule applied.
// In audit mode a denial is turned into Allow with WouldDeny.
//
// Decide is for single decisions; a run deciding many calls uses a
// Session, which does the work that does not change between calls once.
func (p *Policy) Decide(ctx context.Context, req *Request) Decision {
	return p.NewSession(req.Script).Decide(ctx, req.Call, req.Args, requestState{req})
}

type requestState struct{ r *Request }

func (s requestState) Usage() Usage   { return s.r.Usage }
func (s requestState) Now() time.Time { return s.r.Now }

func matchAny(pats []string, name string) bool {
	for _, pat := range pats {
		switch {
		case pat == "*", pat == name:
			return true
		case strings.HasSuffix(pat, ".*"):
			if strings.HasPrefix(name, pat[:len(pat)-1]) {
				return true
			}
		}
	}
	return false
}

// activation gives CEL the variables of one call, each converted once and
// only when an expression names it. While a plan is built (static) only
// script and call exist.
type activation struct {
	s        *Session
	call     ref.Val
	callName string
	args     map[string]any
	st       State
	static   bool

	argsVal, usage, now ref.Val
	usageBuf            Usage // what usage refers to during the call

	// The largest size of a string, bytes, list or map in call, args and
	// usage; -1 until measured, tooBig past the walk's budget.
	callSize, argsSize, usageSize int
}

// tooBig is a size no fast path accepts.
const tooBig = int(^uint(0) >> 1)

// walkBudget bounds the values a size walk visits per call; past it the
// size counts as tooBig and the expression keeps its cost tracker.
const walkBudget = 256

// sizeBound returns the largest size of a string, bytes, list or map that
// an expression reading the variables in reads can see.
func (a *activation) sizeBound(reads uint8) int {
	n := 0
	if reads&readsScript != 0 {
		n = max(n, a.s.scriptSize)
	}
	if reads&readsCall != 0 {
		n = max(n, a.callSize)
	}
	if reads&readsArgs != 0 {
		if a.argsSize < 0 {
			budget := walkBudget
			a.argsSize = valueSize(a.args, &budget)
		}
		n = max(n, a.argsSize)
	}
	if reads&readsUsage != 0 {
		if a.usageSize < 0 {
			a.resolveUsage()
			a.usageSize = len(a.usageBuf.Calls)
			budget := walkBudget
			for k := range a.usageBuf.Calls {
				if budget--; budget < 0 {
					a.usageSize = tooBig
					break
				}
				a.usageSize = max(a.usageSize, len(k))
			}
		}
		n = max(n, a.usageSize)
	}
	return n
}

// valueSize is the largest size of a string, bytes, list or map in v, or
// tooBig when v holds more than *budget values or a type whose size it
// does not know.
func valueSize(v any, budget *int) int {
	if *budget--; *budget < 0 {
		return tooBig
	}
	switch v := v.(type) {
	case nil, bool, int64, float64:
		return 0
	case string:
		return len(v)
	case []byte:
		return len(v)
	case []any:
		n := len(v)
		for _, e := range v {
			n = max(n, valueSize(e, budget))
		}
		return n
	case map[string]any:
		n := len(v)
		for k, e := range v {
			n = max(n, len(k), valueSize(e, budget))
		}
		return n
	}
	return tooBig
}

var emptyArgs = map[string]any{}

func (a *activation) ResolveName(name string) (any, bool) {
	switch name {
	case "script":
		return a.s.script, true
	case "call":
		return a.call, true
	}
	if a.static {
		return nil, false
	}
	switch name {
	case "args":
		if a.argsVal == nil {
			args := a.args
			if args == nil {
				args = emptyArgs
			}
			a.argsVal = a.s.value(args)
		}
		return a.argsVal, true
	case "usage":
		a.resolveUsage()
		return a.usage, true
	case "now":
		if a.now == nil {
			a.now = a.s.value(a.st.Now())
		}
		return a.now, true
	}
	return nil, false
}

func (a *activation) Parent() interpreter.Activation { return nil }

// resolveUsage reads the run's usage, once per call.
func (a *activation) resolveUsage() {
	if a.usage == nil {
		a.usageBuf = a.st.Usage()
		a.usageBuf.Calls = a.s.prefill(a.usageBuf.Calls, a.callName)
		a.usageBuf.calls = a.s.callsValue(a.usageBuf.Calls)
		a.usage = a.s.value(&a.usageBuf)
	}
}

func (s *Session) evalBool(ctx context.Context, r *rule, which int, prog cel.Program, act *activation) (bool, error) {
	if prog == nil {
		return true, nil
	}
	v, err := s.eval(ctx, r, which, prog, act)
	if err != nil {
		return false, err
	}
	b, ok := v.(types.Bool)
	if !ok {
		return false, &EvalError{Rule: r.name, Expr: exprNames[which], Pos: r.pos, Err: fmt.Errorf("got %T, want bool", v.Value())}
	}
	return bool(b), nil
}

// eval evaluates one expression. ctx is checked before (an atomic load);
// only an expression with a comprehension, where CEL polls for an
// interrupt, is evaluated under ctx, which costs a context per evaluation.
func (s *Session) eval(ctx context.Context, r *rule, which int, prog cel.Program, act *activation) (ref.Val, error) {
	if err := ctx.Err(); err != nil {
		return nil, &EvalError{Rule: r.name, Expr: exprNames[which], Pos: r.pos, Err: err}
	}
	var (
		v   ref.Val
		err error
	)
	x := &r.expr[which]
	switch {
	case x.loops:
		v, _, err = prog.ContextEval(ctx, act)
	case x.fast != nil && !act.static && act.sizeBound(x.reads) <= int(x.fastBelow):
		v, _, err = x.fast.Eval(act)
	default:
		v, _, err = prog.Eval(act)
	}
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
			err = fmt.Errorf("%w (%v)", ctxErr, err)
		}
		return nil, &EvalError{Rule: r.name, Expr: exprNames[which], Pos: r.pos, Err: err}
	}
	return v, nil
}

// ctxError is ctx's error with its cause, if the cause says more.
func ctxError(ctx context.Context, err error) error {
	if c := context.Cause(ctx); c != nil && c != err {
		return fmt.Errorf("%w: %w", err, c)
	}
	return err
}
