package bridge

import (
	"context"
	"sync"
)

// callCtx is the ctx a host function gets: the run's ctx plus the call's
// own state (what Run.Check, the charges and Annotate record), in one
// allocation.
type callCtx struct {
	context.Context
	st callState
}

type callKey struct{}

func (c *callCtx) Value(key any) any {
	if key == (callKey{}) {
		return &c.st
	}
	return c.Context.Value(key)
}

// callFrom returns the state of the host call ctx belongs to, or nil.
func callFrom(ctx context.Context) *callState {
	cs, _ := ctx.Value(callKey{}).(*callState)
	return cs
}

// callState is one host call in progress, as its further checks see it.
type callState struct {
	d    *Dispatcher
	call *Call

	mu    sync.Mutex // serializes gate checks and guards the fields below
	done  bool       // the call returned: no more checks
	final error      // a denial or limit error that is the call's outcome
	notes []note
}

type note struct{ key, value string }

// reserved are the fields of the host.call event Annotate may not set.
var reserved = map[string]bool{
	"event": true, "capability": true, "decision": true, "rule": true, "duration": true,
	"argBytes": true, "reason": true, "via": true, "args": true, "error": true,
	"level": true, "message": true, "time": true, "run": true, "script": true,
}

func (cs *callState) check(ctx context.Context, capability string, args Args) error {
	mod, fn := splitCap(capability)
	if !nameRE.MatchString(mod) || !nameRE.MatchString(fn) {
		return fail(ctx, &HostError{Capability: cs.call.Capability, Msg: "host function failed",
			Err: checkError("bridge: Run.Check: bad capability name " + capability)})
	}
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if cs.done {
		return &HostError{Capability: cs.call.Capability, Msg: "host function failed", Err: errCheckAfterReturn}
	}
	if cs.final != nil {
		return cs.final
	}
	c := &Call{Capability: capability, Module: mod, Function: fn, Args: args, Via: cs.call.Capability}
	for _, a := range args {
		c.ArgBytes += Size(a)
	}
	dec, err := cs.d.Gate.Check(ctx, c)
	if err != nil {
		cs.d.audit(c, "error", dec, 0, err)
		cs.final = err
		return err
	}
	if !dec.Allow {
		cs.d.audit(c, "deny", dec, 0, nil)
		cs.d.Log.Warn().Str("event", "policy.denied").Str("capability", capability).Str("rule", dec.Rule).
			Str("via", cs.call.Capability).Str("reason", dec.Message).Msg("policy.denied")
		cs.final = &DeniedError{Capability: capability, Rule: dec.Rule, Msg: dec.Message, Catchable: dec.Catchable}
		return cs.final
	}
	cs.d.audit(c, "allow", dec, 0, nil)
	return nil
}

type checkError string

func (e checkError) Error() string { return string(e) }

const errCheckAfterReturn = checkError("bridge: Run.Check after the host call returned")

func (cs *callState) annotate(key, value string) {
	if reserved[key] || key == "" {
		return
	}
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if cs.done {
		return
	}
	for i := range cs.notes {
		if cs.notes[i].key == key {
			cs.notes[i].value = value
			return
		}
	}
	cs.notes = append(cs.notes, note{key, value})
}

// finish ends the call: later checks are refused.
func (cs *callState) finish() ([]note, error) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	cs.done = true
	return cs.notes, cs.final
}
