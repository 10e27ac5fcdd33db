package bridge

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"runtime/debug"
	"time"

	"github.com/rs/zerolog"
)

// Call is one host call as the gate sees it.
type Call struct {
	Capability string // "kv.get"
	Module     string // "kv"
	Function   string // "get"
	Args       Args   // validated, keyed by param name (or Func.PolicyArgs' view of them)
	ArgBytes   int64  // size of the arguments (see Size)
	// Via is the capability of the host call this use is part of, for a
	// further use a host function asks about (Run.Check); "" for a call
	// from the script.
	Via string
}

// Decision is the gate's answer for one call.
type Decision struct {
	Allow     bool
	Rule      string // the rule that decided (the deny rule, or the allow rule that matched)
	Message   string // the deny rule's message, or why evaluation failed
	WouldDeny bool   // audit mode: the policy would deny, but the call is allowed
	Catchable bool   // a denial is a catchable error instead of ending the run
}

// Gate decides whether a call may go ahead. The engine implements it with the
// run's policy and budget. A non-nil error ends the run (for example the
// host-call budget is gone); a denial is a Decision.
//
// It is asked about a script's calls and about the further uses a host
// function asks about (Run.Check, c.Via set), which may come from a
// goroutine the function started (a dialer's). The engine's calls of one
// run are sequential and one call's further checks are serialized, so the
// engine's gate sees one run's checks one at a time.
type Gate interface {
	Check(ctx context.Context, c *Call) (Decision, error)
}

// Dispatcher is the one path every host call takes: validate and copy the
// arguments, ask the gate, write the audit event, call the function with
// panic recovery and the run's deadline, copy the result. One Dispatcher
// serves one run.
type Dispatcher struct {
	Registry *Registry
	Gate     Gate
	Log      zerolog.Logger
	LogArgs  bool        // put argument values in the audit event (opt-in; Param.Secret values redacted)
	Result   ValueLimits // limits for values returned to the script
	// Answer, when set, answers every allowed call in place of the
	// function's Go implementation (a test's mocks, a replay's recording):
	// the call is validated, decided by the gate, audited and its result
	// copied as usual; only Func.Impl is not called. args are the validated
	// arguments keyed by param name, as the script passed them.
	Answer func(ctx context.Context, c *Call, args Args) (any, error)
	// Observe, when set, is told the outcome of every call that reached the
	// gate, after its audit event. It runs on the run's goroutine and must
	// not keep the event (its Args and Result may be reused) beyond the call.
	// A further use a host function asks about (Run.Check) is told too, with
	// Call.Via set, when the gate has decided it (before the call it is part
	// of): from the goroutine that asked, while the call's own goroutine
	// waits for the function, and one at a time.
	Observe func(*CallEvent)
}

// CallEvent is one host call's outcome, as Dispatcher.Observe sees it.
type CallEvent struct {
	Call *Call // as the gate saw it
	// Args are the validated arguments keyed by param name, as the script
	// passed them (Call.Args may be Func.PolicyArgs' view of them).
	Args     Args
	Decision Decision
	// Outcome is the audit event's decision: "allow", "deny", "audit-deny"
	// (allowed in audit mode, the policy would deny) or "error" (the gate
	// failed: a budget ran out).
	Outcome  string
	Result   any   // the value the script got (allowed calls that succeeded)
	Err      error // what the script got instead (nil on success)
	Duration time.Duration
}

// Call runs the host function named capability with args already copied
// into the value model by the backend. The error is one of *ArgError,
// *HostError, *DeniedError, or whatever the gate returned.
func (d *Dispatcher) Call(ctx context.Context, capability string, args []any) (any, error) {
	fn := d.Registry.Lookup(capability)
	if fn == nil {
		return nil, &ArgError{Capability: capability, Msg: "no such host function"}
	}
	mod, name := splitCap(capability)
	named, size, err := bind(capability, fn, args)
	if err != nil {
		return nil, err
	}
	// The call and the ctx its function gets are one allocation (frame).
	f := &frame{call: Call{Capability: capability, Module: mod, Function: name, Args: named, ArgBytes: size}}
	call := &f.call
	if fn.PolicyArgs != nil {
		pa, err := policyArgs(capability, fn, named)
		if err != nil {
			return nil, err
		}
		call.Args = pa
	}
	dec, err := d.Gate.Check(ctx, call)
	if err != nil {
		d.audit(call, "error", dec, 0, err)
		d.observe(call, named, "error", dec, nil, err, 0)
		return nil, err
	}
	if !dec.Allow {
		d.audit(call, "deny", dec, 0, nil)
		d.Log.Warn().Str("event", "policy.denied").Str("capability", capability).Str("rule", dec.Rule).
			Str("reason", dec.Message).Msg("policy.denied")
		derr := &DeniedError{Capability: capability, Rule: dec.Rule, Msg: dec.Message, Catchable: dec.Catchable}
		d.observe(call, named, "deny", dec, nil, derr, 0)
		return nil, derr
	}
	start := time.Now()
	cc := &f.ctx
	cc.Context, cc.st.d, cc.st.call = ctx, d, call
	var res any
	if d.Answer != nil {
		res, err = answer(cc, capability, d.Answer, call, named)
	} else {
		res, err = invoke(cc, capability, fn, named)
	}
	notes, final := cc.st.finish()
	if final != nil {
		// The function asked the gate about a further use and was denied,
		// or went over a budget: that is the call's outcome, whatever the
		// function made of it.
		res, err = nil, final
	}
	if err != nil {
		dur := time.Since(start)
		d.auditNotes(call, "allow", dec, dur, err, notes)
		d.observe(call, named, "allow", dec, nil, err, dur)
		return nil, err
	}
	out, _, err := Copy(res, d.Result)
	if err != nil {
		herr := &HostError{Capability: capability, Msg: "result: " + err.Error(), Err: err}
		var ve *ValueError
		if errors.As(err, &ve) && !ve.TooLarge {
			herr.Msg = "returned a value outside the value model"
		}
		dur := time.Since(start)
		d.auditNotes(call, "allow", dec, dur, herr, notes)
		d.observe(call, named, "allow", dec, nil, herr, dur)
		return nil, herr
	}
	dur := time.Since(start)
	d.auditNotes(call, "allow", dec, dur, nil, notes)
	d.observe(call, named, "allow", dec, out, nil, dur)
	return out, nil
}

func (d *Dispatcher) observe(c *Call, args Args, outcome string, dec Decision, res any, err error, dur time.Duration) {
	if d.Observe == nil {
		return
	}
	if dec.WouldDeny {
		outcome = "audit-deny"
	}
	d.Observe(&CallEvent{Call: c, Args: args, Decision: dec, Outcome: outcome, Result: res, Err: err, Duration: dur})
}

// answer calls a Dispatcher.Answer with the panic recovery and error
// mapping of invoke.
func answer(ctx context.Context, capability string, fn func(context.Context, *Call, Args) (any, error), c *Call, args Args) (res any, err error) {
	return invoke(ctx, capability, &Func{Impl: func(ctx context.Context, a Args) (any, error) { return fn(ctx, c, a) }}, args)
}

// policyArgs runs fn.PolicyArgs with panic recovery.
func policyArgs(capability string, fn *Func, args Args) (pa Args, err error) {
	defer func() {
		if r := recover(); r != nil {
			pa, err = nil, &HostError{Capability: capability, Msg: "host function failed", Err: fmt.Errorf("panic in PolicyArgs: %v", r), Panic: true, Stack: debug.Stack()}
		}
	}()
	pa, err = fn.PolicyArgs(args)
	if err != nil {
		return nil, &ArgError{Capability: capability, Msg: err.Error(), Err: err}
	}
	return pa, nil
}

func (d *Dispatcher) audit(c *Call, decision string, dec Decision, dur time.Duration, err error) {
	d.auditNotes(c, decision, dec, dur, err, nil)
}

func (d *Dispatcher) auditNotes(c *Call, decision string, dec Decision, dur time.Duration, err error, notes []note) {
	if dec.WouldDeny {
		decision = "audit-deny"
	}
	ev := d.Log.Info()
	if err != nil || dec.WouldDeny {
		// A would-be denial (audit mode) is what the audit is for: it
		// must stand out from the allowed calls.
		ev = d.Log.Warn()
	}
	ev = ev.Str("event", "host.call").Str("capability", c.Capability).Str("decision", decision).
		Str("rule", dec.Rule).Dur("duration", dur).Int64("argBytes", c.ArgBytes)
	if dec.Message != "" {
		ev = ev.Str("reason", dec.Message)
	}
	if c.Via != "" {
		ev = ev.Str("via", c.Via)
	}
	for _, n := range notes {
		ev = ev.Str(n.key, n.value)
	}
	if d.LogArgs {
		ev = ev.Interface("args", redact(d.Registry.Lookup(c.Capability), c.Args))
	}
	if err != nil {
		var he *HostError
		if errors.As(err, &he) {
			// The operator's view: what the script saw, then why.
			msg := he.Error()
			if he.Err != nil && he.Err.Error() != he.Msg {
				msg += ": " + he.Err.Error()
			}
			ev = ev.Str("error", msg)
			if he.Stack != nil {
				ev = ev.Bytes("stack", he.Stack)
			}
		} else {
			ev = ev.AnErr("error", err)
		}
	}
	ev.Msg("host.call")
}

// Redacted is what the audit log shows in place of the value
// of a param marked Param.Secret.
const Redacted = "[redacted]"

// redact returns args with the values of fn's secret params replaced by
// Redacted (a copy when there are any). For an unknown function (nil) every
// value is redacted: what is secret cannot be told.
func redact(fn *Func, args Args) map[string]any {
	out := map[string]any(args)
	if fn == nil {
		out = make(map[string]any, len(args))
		for k := range args {
			out[k] = Redacted
		}
		return out
	}
	copied := false
	for _, p := range fn.Params {
		if _, ok := args[p.Name]; ok && p.Secret {
			if !copied {
				out, copied = maps.Clone(out), true
			}
			out[p.Name] = Redacted
		}
	}
	return out
}

func splitCap(c string) (string, string) {
	for i := 0; i < len(c); i++ {
		if c[i] == '.' {
			return c[:i], c[i+1:]
		}
	}
	return c, ""
}

// bind checks args against fn's params and keys them by name; it also
// returns their total Size.
func bind(capability string, fn *Func, args []any) (Args, int64, error) {
	if len(args) > len(fn.Params) {
		return nil, 0, &ArgError{Capability: capability, Msg: fmt.Sprintf("takes at most %d arguments, got %d", len(fn.Params), len(args))}
	}
	out := make(Args, len(args))
	var size int64
	for i, p := range fn.Params {
		if i >= len(args) || args[i] == nil {
			if !p.Optional {
				return nil, 0, &ArgError{Capability: capability, Param: p.Name, Msg: "is required"}
			}
			continue
		}
		v, err := checkType(p.Type, args[i])
		if err != nil {
			return nil, 0, &ArgError{Capability: capability, Param: p.Name, Msg: err.Error()}
		}
		out[p.Name] = v
		size += Size(v)
	}
	return out, size, nil
}

func checkType(t Type, v any) (any, error) {
	ok := false
	switch t {
	case Any:
		ok = true
	case Bool:
		_, ok = v.(bool)
	case Int:
		_, ok = v.(int64)
	case Number:
		switch v.(type) {
		case int64, float64:
			ok = true
		}
	case String:
		_, ok = v.(string)
	case Bytes:
		switch b := v.(type) {
		case []byte:
			ok = true
		case string:
			return []byte(b), nil
		}
	case List:
		_, ok = v.([]any)
	case Map:
		_, ok = v.(map[string]any)
	}
	if !ok {
		return nil, fmt.Errorf("want %s, got %s", t, TypeName(v))
	}
	return v, nil
}

// TypeName names the model type of v as scripts know it.
func TypeName(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		return "bool"
	case int64:
		return "int"
	case float64:
		if v != float64(int64(v)) {
			return "number (not a whole number)"
		}
		return "number"
	case string:
		return "string"
	case []byte:
		return "bytes"
	case []any:
		return "list"
	case map[string]any:
		return "map"
	}
	return "unsupported value"
}

// invoke calls the Go implementation with panic recovery; a panic or error
// becomes a *HostError whose message does not leak Go internals.
func invoke(ctx context.Context, capability string, fn *Func, args Args) (res any, err error) {
	defer func() {
		if r := recover(); r != nil {
			res = nil
			err = &HostError{Capability: capability, Msg: "host function failed", Err: fmt.Errorf("panic: %v", r), Panic: true, Stack: debug.Stack()}
		}
	}()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res, err = fn.Impl(ctx, args)
	if err != nil {
		var m Message
		var he *HostError
		switch {
		case errors.As(err, &he):
			return nil, he
		case errors.As(err, &m):
			return nil, &HostError{Capability: capability, Msg: string(m), Err: err}
		case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
			return nil, &HostError{Capability: capability, Msg: "host function stopped: the run's deadline passed", Err: err}
		}
		return nil, &HostError{Capability: capability, Msg: "host function failed", Err: err}
	}
	return res, nil
}
