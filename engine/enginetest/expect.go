package enginetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/google/go-cmp/cmp"

	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/loc"
)

// check reports how the outcome of a compile (res nil) or a run differs
// from the expectation, or nil when it matches. cov is the run's coverage
// (nil when it was not collected).
func (x *expectation) check(res *engine.Result, cov *engine.Coverage, err error) error {
	if err != nil {
		var e *engine.Error
		if !errors.As(err, &e) {
			return fmt.Errorf("got a %T error (%v), want an *engine.Error", err, err)
		}
		if mismatch := x.checkError(e); mismatch != "" {
			return fmt.Errorf("got %s\nwant %s (%s)", describe(e), x, mismatch)
		}
	} else {
		if x.kind != "ok" {
			return fmt.Errorf("got ok %s\nwant %s", render(res.Value), x)
		}
		if !x.anyValue {
			if diff := cmp.Diff(x.value, plain(res.Value)); diff != "" {
				return fmt.Errorf("got ok %s\nwant ok %s\n(-want +got):\n%s", render(res.Value), render(x.value), diff)
			}
		}
	}
	if x.hasLogs && res != nil {
		got := messages(res)
		if !cmp.Equal(x.logs, got, cmpEmpty) {
			return fmt.Errorf("got logs %s\nwant logs %s", render(got), render(x.logs))
		}
	}
	if cov != nil && (res != nil || err != nil) {
		got := []int{}
		for line := range cov.Lines {
			got = append(got, line)
		}
		slices.Sort(got)
		want := append([]int{}, x.covered...)
		if !slices.Equal(got, want) {
			return fmt.Errorf("got covered lines %v\nwant the lines marked ran %v", got, want)
		}
	}
	return nil
}

var cmpEmpty = cmp.Comparer(func(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
})

// checkError returns what does not match in e, or "".
func (x *expectation) checkError(e *engine.Error) string {
	switch {
	case x.kind == "ok":
		return "the run failed"
	case string(e.Kind) != x.kind:
		return "kind differs"
	case x.limit != "" && e.Limit != x.limit:
		return "limit differs"
	case x.capability != "" && e.Capability != x.capability:
		return "capability differs"
	case x.hasRule && e.Rule != x.rule:
		return "rule differs"
	case x.message != "" && !strings.Contains(e.Message, x.message):
		return "message lacks the text"
	case x.pos != "" && !posMatch(e.Pos, x.pos):
		return "position differs"
	}
	return ""
}

// posMatch reports whether pos renders as want, or as want with the column
// or the line and column left out: "t.js:3" matches t.js line 3 at any
// column.
func posMatch(pos loc.Pos, want string) bool {
	return pos.String() == want || loc.Pos{File: pos.File, Line: pos.Line}.String() == want ||
		loc.Pos{File: pos.File}.String() == want
}

// String renders the expectation as its ### line would read.
func (x *expectation) String() string {
	var b strings.Builder
	switch x.kind {
	case "ok":
		if x.anyValue {
			return "ok (any value, the same in every run)"
		}
		return "ok " + render(x.value)
	case "compile":
		b.WriteString("compile error")
	case string(engine.KindLimit):
		fmt.Fprintf(&b, "limit %q", x.limit)
	case string(engine.KindDenied):
		fmt.Fprintf(&b, "denied %q", x.capability)
		if x.hasRule {
			fmt.Fprintf(&b, " rule %q", x.rule)
		}
	default:
		fmt.Fprintf(&b, "%s error", x.kind)
	}
	if x.message != "" {
		fmt.Fprintf(&b, " with message containing %q", x.message)
	}
	if x.pos != "" {
		fmt.Fprintf(&b, " at %q", x.pos)
	}
	return b.String()
}

// describe renders an error for a failure message. A failed assertion
// reads as one.
func describe(e *engine.Error) string {
	if e.Kind == engine.KindHost && strings.HasPrefix(e.Capability, "assert.") {
		msg := strings.TrimPrefix(e.Message, e.Capability+": ")
		return fmt.Sprintf("ASSERTION FAILED at %s: %s: %s", e.Pos, e.Capability, msg)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s error", e.Kind)
	if e.Limit != "" {
		fmt.Fprintf(&b, " limit=%q", e.Limit)
	}
	if e.Capability != "" {
		fmt.Fprintf(&b, " capability=%q", e.Capability)
	}
	if e.Kind == engine.KindDenied {
		fmt.Fprintf(&b, " rule=%q", e.Rule)
	}
	fmt.Fprintf(&b, " at %q: %s", e.Pos, e.Message)
	if len(e.Stack) > 0 {
		fmt.Fprintf(&b, "\n  stack: %s", strings.Join(loc.Strings(e.Stack), " <- "))
	}
	return b.String()
}

// plain returns v with bytes turned into strings, for comparison.
func plain(v any) any {
	switch v := v.(type) {
	case []byte:
		return string(v)
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = plain(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = plain(e)
		}
		return out
	}
	return v
}

// render shows a model value as JSON.
func render(v any) string {
	b, err := json.Marshal(plain(v))
	if err != nil {
		return fmt.Sprintf("%#v", v)
	}
	if len(b) > 2000 {
		return string(b[:2000]) + "..."
	}
	return string(b)
}

func messages(res *engine.Result) []string {
	out := []string{}
	for _, l := range res.Logs {
		out = append(out, l.Message)
	}
	return out
}
