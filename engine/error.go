package engine

import (
	"errors"
	"strings"

	"github.com/scriptrun/scriptrun/bridge"
	"github.com/scriptrun/scriptrun/limits"
	"github.com/scriptrun/scriptrun/loc"
)

// Kind classifies an Error.
type Kind string

// The kinds of Error. The CLI maps each to an exit code.
const (
	KindCompile  Kind = "compile"  // the script does not parse or compile
	KindRuntime  Kind = "runtime"  // the script threw or raised an error
	KindLimit    Kind = "limit"    // a budget field was exceeded (see Error.Limit)
	KindDenied   Kind = "denied"   // the policy refused a host call
	KindHost     Kind = "host"     // a host function failed
	KindInput    Kind = "input"    // the run's input is not acceptable
	KindOutput   Kind = "output"   // the script's result cannot be returned
	KindInternal Kind = "internal" // a fault of scriptrun itself
	// KindQuarantined: the run was refused because containment quarantined
	// its script (Config.Containment; Rule names the containment rule).
	KindQuarantined Kind = "quarantined"
)

// Error is the one error type of a run or compile. It never carries Go stacks,
// Go type names or host file paths in Message, Pos or Stack. Pos and the
// frames of Stack render with their String methods ("name:line:col",
// "f (name:line:col)"), the one place they become text.
type Error struct {
	Kind       Kind
	Limit      string      // for KindLimit: the Budget field name (limits.Steps, ...)
	Capability string      // for KindDenied and KindHost: "kv.get"
	Rule       string      // for KindDenied: the rule that denied, "" if none allowed; for KindQuarantined: the containment rule
	Message    string      // one line, for people
	Pos        loc.Pos     // where in the script; Col 0 for Lua runtime errors, zero when unknown
	Stack      []loc.Frame // the script's own frames, innermost first
	Err        error       // the cause, for errors.Is/As on the host side
}

func (e *Error) Error() string {
	var b strings.Builder
	if p := e.Pos.String(); p != "" {
		b.WriteString(p)
		b.WriteString(": ")
	}
	b.WriteString(string(e.Kind))
	b.WriteString(" error: ")
	b.WriteString(e.Message)
	return b.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is matches a target *Error by Kind (and Limit when the target sets one), so
// errors.Is(err, &engine.Error{Kind: engine.KindLimit, Limit: "steps"}) works.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	if !ok {
		return false
	}
	return t.Kind == e.Kind && (t.Limit == "" || t.Limit == e.Limit) &&
		(t.Capability == "" || t.Capability == e.Capability)
}

// Backtrace returns the script stack, one frame a line.
func (e *Error) Backtrace() string { return strings.Join(loc.Strings(e.Stack), "\n") }

// FromCause turns a reason a run was stopped (what the watchdog or the bridge
// reported) into an Error. Backends call it first, before looking at what
// their VM says, so the kind comes from the host's own records and never from
// error text. It returns nil for a nil cause.
func FromCause(cause error) *Error {
	if cause == nil {
		return nil
	}
	var (
		ee *Error
		le *limits.ExceededError
		ce *limits.CanceledError
		de *bridge.DeniedError
		he *bridge.HostError
		ae *bridge.ArgError
	)
	switch {
	case errors.As(cause, &ee):
		return ee
	case errors.As(cause, &le):
		return &Error{Kind: KindLimit, Limit: le.Limit, Message: le.Error(), Err: cause}
	case errors.As(cause, &ce):
		if ce.Deadline {
			return &Error{Kind: KindLimit, Limit: limits.Timeout, Message: ce.Error(), Err: cause}
		}
		return &Error{Kind: KindRuntime, Message: ce.Error(), Err: cause}
	case errors.As(cause, &de):
		return &Error{Kind: KindDenied, Capability: de.Capability, Rule: de.Rule, Message: de.Error(), Err: cause}
	case errors.As(cause, &he):
		return &Error{Kind: KindHost, Capability: he.Capability, Message: he.Error(), Err: cause}
	case errors.As(cause, &ae):
		return &Error{Kind: KindRuntime, Capability: ae.Capability, Message: ae.Error(), Err: cause}
	}
	return &Error{Kind: KindInternal, Message: "internal error", Err: cause}
}
