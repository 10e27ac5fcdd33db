package bridge

import (
	"context"
	"sync"
	"sync/atomic"
)

// frame is one host call: the Call the gate sees and the ctx its function
// gets, allocated together. What a function records through its Run
// (further checks, charges, notes) lives in a callLog made on first use,
// so a call that records nothing costs no more than the frame.
type frame struct {
	call Call
	ctx  callCtx
}

// callCtx is the ctx a host function gets: the run's ctx plus the call's
// own state.
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
//
// log is made before anything takes its lock, and done is set when the
// call returns; finish reads log after setting done. Both are sequentially
// consistent atomics, each stored before the other is loaded, so either a
// late check sees done, or finish sees its log and waits for its lock.
type callState struct {
	d    *Dispatcher
	call *Call
	done atomic.Bool
	log  atomic.Pointer[callLog]
}

// callLog is what a call's function recorded.
type callLog struct {
	mu    sync.Mutex // serializes gate checks and guards the fields below
	final error      // a denial or limit error that is the call's outcome
	notes []note
}

type note struct{ key, value string }

// record returns the call's log, made on first use.
func (cs *callState) record() *callLog {
	if l := cs.log.Load(); l != nil {
		return l
	}
	cs.log.CompareAndSwap(nil, &callLog{})
	return cs.log.Load()
}

// reserved are the fields of the host.call event Annotate may not set.
var reserved = map[string]bool{
	"event": true, "capability": true, "decision": true, "rule": true, "duration": true,
	"argBytes": true, "reason": true, "via": true, "args": true, "error": true,
	"level": true, "message": true, "time": true, "run": true, "script": true,
}

func (cs *callState) check(ctx context.Context, capability string, args Args) error {
	mod, fn := splitCap(capability)
	if !nameRE.MatchString(mod) || !nameRE.MatchString(fn) {
		return cs.fail(&HostError{Capability: cs.call.Capability, Msg: "host function failed",
			Err: checkError("bridge: Run.Check: bad capability name " + capability)})
	}
	l := cs.record()
	l.mu.Lock()
	defer l.mu.Unlock()
	if cs.done.Load() {
		return &HostError{Capability: cs.call.Capability, Msg: "host function failed", Err: errCheckAfterReturn}
	}
	if l.final != nil {
		return l.final
	}
	c := &Call{Capability: capability, Module: mod, Function: fn, Args: args, Via: cs.call.Capability}
	for _, a := range args {
		c.ArgBytes += Size(a)
	}
	dec, err := cs.d.Gate.Check(ctx, c)
	if err != nil {
		cs.d.audit(c, "error", dec, 0, err)
		cs.d.observe(c, args, "error", dec, nil, err, 0)
		l.final = err
		return err
	}
	if !dec.Allow {
		cs.d.audit(c, "deny", dec, 0, nil)
		cs.d.Log.Warn().Str("event", "policy.denied").Str("capability", capability).Str("rule", dec.Rule).
			Str("via", cs.call.Capability).Str("reason", dec.Message).Msg("policy.denied")
		l.final = &DeniedError{Capability: capability, Rule: dec.Rule, Msg: dec.Message, Catchable: dec.Catchable}
		cs.d.observe(c, args, "deny", dec, nil, l.final, 0)
		return l.final
	}
	cs.d.audit(c, "allow", dec, 0, nil)
	cs.d.observe(c, args, "allow", dec, nil, nil, 0)
	return nil
}

// fail records err as the call's outcome unless it has one or returned.
func (cs *callState) fail(err error) error {
	l := cs.record()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.final == nil && !cs.done.Load() {
		l.final = err
	}
	return err
}

type checkError string

func (e checkError) Error() string { return string(e) }

const errCheckAfterReturn = checkError("bridge: Run.Check after the host call returned")

func (cs *callState) annotate(key, value string) {
	if reserved[key] || key == "" {
		return
	}
	l := cs.record()
	l.mu.Lock()
	defer l.mu.Unlock()
	if cs.done.Load() {
		return
	}
	for i := range l.notes {
		if l.notes[i].key == key {
			l.notes[i].value = value
			return
		}
	}
	l.notes = append(l.notes, note{key, value})
}

// finish ends the call: later checks are refused. It returns what the
// call's function recorded.
func (cs *callState) finish() ([]note, error) {
	cs.done.Store(true)
	l := cs.log.Load()
	if l == nil {
		return nil, nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.notes, l.final
}
