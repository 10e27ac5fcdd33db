package bridge

import "fmt"

// ArgError reports an argument that does not fit the declared params: wrong
// type, missing, too many, or a value outside the model. The script can
// catch it; uncaught it is a runtime error of the script.
type ArgError struct {
	Capability string
	Param      string // "" when the problem is the argument count
	Msg        string
	Err        error
}

func (e *ArgError) Error() string {
	if e.Param == "" {
		return e.Capability + ": " + e.Msg
	}
	return e.Capability + ": param " + e.Param + ": " + e.Msg
}

func (e *ArgError) Unwrap() error { return e.Err }

// NewArgError wraps a conversion error of the i-th argument (0-based) of a
// function with the given params,
// naming its param. Backends use it when copying an argument fails.
func NewArgError(capability string, params []Param, i int, err error) *ArgError {
	name := fmt.Sprintf("#%d", i+1)
	if i < len(params) {
		name = params[i].Name
	}
	return &ArgError{Capability: capability, Param: name, Msg: err.Error(), Err: err}
}

// HostError reports that a host function failed (returned an error, panicked,
// returned a value outside the model). Msg is what the script sees; Err is
// the cause, for the host only.
type HostError struct {
	Capability string
	Msg        string
	Err        error
	Panic      bool
	Stack      []byte // the panic's Go stack, for the audit log only
}

func (e *HostError) Error() string { return e.Capability + ": " + e.Msg }

// Cause says why the host function failed, for the people running the host
// (the audit log's `error`, the CLI's message), never for the script: the
// cause's own text, or for a panic that it panicked (its value and stack go
// to the audit log only, as they show Go internals). "" when there is no
// more to say than Msg.
func (e *HostError) Cause() string {
	switch {
	case e.Panic:
		return "it panicked (the stack is in the audit log)"
	case e.Err == nil || e.Err.Error() == e.Msg:
		return ""
	}
	return e.Err.Error()
}

func (e *HostError) Unwrap() error { return e.Err }

// DeniedError reports a call the policy refused. Catchable is set when the
// policy makes denials catchable errors instead of ending the run.
type DeniedError struct {
	Capability string
	Rule       string // the deny rule that matched, or "" when no allow rule matched
	Msg        string
	Catchable  bool
}

func (e *DeniedError) Error() string {
	s := "call to " + e.Capability + " denied"
	if e.Rule != "" {
		s += " by rule " + e.Rule
	} else {
		s += ": no rule allows it"
	}
	if e.Msg != "" {
		s += ": " + e.Msg
	}
	return s
}

// Message is a host-authored text that a host function may return to have
// the script see exactly it (otherwise the script sees a generic message and
// the host's error goes to the audit log only).
type Message string

func (m Message) Error() string { return string(m) }
