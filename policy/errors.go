package policy

import (
	"fmt"
	"strings"

	"github.com/scriptrun/scriptrun/loc"
)

// Pos is a position in a policy file (see loc.Pos). Line and Col are
// 1-based; a zero Pos means the position is unknown (for example a policy
// built with New). Its String renders "file:line:col", or as much of it as
// is known.
type Pos = loc.Pos

// Issue is one problem found while loading a policy.
type Issue struct {
	Pos Pos
	Msg string // may span several lines (expression source and caret)
}

// String returns "file:line:col: message".
func (i Issue) String() string {
	if p := i.Pos.String(); p != "" {
		return p + ": " + i.Msg
	}
	return i.Msg
}

// Error is the error returned by Parse, Load and New. It lists every problem
// found, in file order.
type Error struct {
	Issues []Issue
}

// Error joins the issues by newlines.
func (e *Error) Error() string {
	var b strings.Builder
	for i, is := range e.Issues {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(is.String())
	}
	return b.String()
}

// EvalError reports a rule expression that failed to evaluate during Decide:
// a runtime error, the cost limit, or cancellation of the context. A failing
// rule counts as a deny.
type EvalError struct {
	Rule string // rule name
	Expr string // "match", "when" or "message"
	Pos  Pos    // where the rule starts, if known
	Err  error  // the underlying CEL error
}

func (e *EvalError) Error() string {
	return fmt.Sprintf("rule %q: %s: %v", e.Rule, e.Expr, e.Err)
}

func (e *EvalError) Unwrap() error { return e.Err }

// issues collects problems during loading.
type issues struct {
	list []Issue
	warn []Issue // warnings: the policy loads anyway
}

func (is *issues) add(pos Pos, format string, args ...any) {
	is.list = append(is.list, Issue{Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

func (is *issues) err() error {
	if len(is.list) == 0 {
		return nil
	}
	return &Error{Issues: is.list}
}
