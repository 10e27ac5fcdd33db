package runio

import (
	"errors"
	"strings"

	"github.com/scriptrun/scriptrun/bridge"
	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/limits"
	"github.com/scriptrun/scriptrun/loc"
)

// ErrorJSON is the "error" member of a failed run's answer. Pos and Stack
// are the error's position and frames as their String methods render them.
type ErrorJSON struct {
	Kind       engine.Kind `json:"kind"`
	Limit      string      `json:"limit,omitempty"`
	Capability string      `json:"capability,omitempty"`
	Rule       string      `json:"rule,omitempty"`
	Message    string      `json:"message"`
	Pos        string      `json:"pos,omitempty"`
	Stack      []string    `json:"stack,omitempty"`
}

// OK is the answer of a run that returned a value.
type OK struct {
	OK    bool         `json:"ok"`
	Value any          `json:"value"`
	Usage limits.Usage `json:"usage"`
}

// Fail is the answer of a compile or a run that failed.
type Fail struct {
	OK    bool         `json:"ok"`
	Error ErrorJSON    `json:"error"`
	Usage limits.Usage `json:"usage"`
}

// Options tune Encode.
type Options struct {
	// HostCause appends why a host function failed (bridge.HostError's
	// Cause) to the message of a host error. The script saw only that the
	// function failed; the person running the CLI is told why. A service
	// leaves it off: the cause may name its internals (a database's
	// address), and its audit log has it.
	HostCause bool
}

// Encode returns the answer for a compile or run outcome (OK or Fail, to be
// marshaled as JSON) and, for an error, its *engine.Error (any other error
// becomes an internal one). res may be nil (compile errors).
func Encode(res *engine.Result, err error, o Options) (out any, e *engine.Error) {
	var usage limits.Usage
	if res != nil {
		usage = res.Usage
	}
	if err == nil {
		return OK{OK: true, Value: res.Value, Usage: usage}, nil
	}
	if !errors.As(err, &e) {
		e = &engine.Error{Kind: engine.KindInternal, Message: "internal error", Err: err}
	}
	msg := e.Message
	var he *bridge.HostError
	if o.HostCause && e.Kind == engine.KindHost && errors.As(e.Err, &he) && he.Cause() != "" {
		msg += ": " + he.Cause()
	}
	return Fail{Error: ErrorJSON{Kind: e.Kind, Limit: e.Limit, Capability: e.Capability,
		Rule: e.Rule, Message: msg, Pos: e.Pos.String(), Stack: loc.Strings(e.Stack)}, Usage: usage}, e
}

// InternalCause is the first line of an internal error's cause, for the
// operator (a panic's Go stack is in the audit log's run.finished event),
// or "" when e is not an internal error with a cause.
func InternalCause(e *engine.Error) string {
	if e == nil || e.Kind != engine.KindInternal || e.Err == nil {
		return ""
	}
	cause, _, _ := strings.Cut(e.Err.Error(), "\n")
	return cause
}
