package suite

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/scriptrun/scriptrun/loc"
)

// Issue is one problem with a suite file (or a file it names).
type Issue struct {
	Pos loc.Pos
	Msg string // may span several lines (a policy expression and its caret)
}

// String returns "file:line:col: message".
func (i Issue) String() string {
	if p := i.Pos.String(); p != "" {
		return p + ": " + i.Msg
	}
	return i.Msg
}

// Error is a bad suite: the YAML, a value in it, or a file it names (the
// policy, the script) is wrong, so no case of it can run. It lists every
// problem found, in file order. The CLI exits 2 on it.
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

// issues collects problems while loading.
type issues struct{ list []Issue }

func (is *issues) add(pos loc.Pos, format string, args ...any) {
	is.list = append(is.list, Issue{Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

func (is *issues) err() error {
	if len(is.list) == 0 {
		return nil
	}
	return &Error{Issues: is.list}
}

// WriteError writes err on w, an *Error one issue a line ("file:line:col:
// message", a policy expression and its caret on the lines after), with
// every character that could drive a terminal escaped: a suite's keys and
// names are written by people other than the one reading the output.
func WriteError(w io.Writer, err error) error {
	var se *Error
	if !errors.As(err, &se) {
		_, werr := fmt.Fprintln(w, loc.Printable(err.Error()))
		return werr
	}
	var b strings.Builder
	for _, is := range se.Issues {
		for _, line := range strings.Split(is.String(), "\n") {
			b.WriteString(loc.Printable(line))
			b.WriteByte('\n')
		}
	}
	_, werr := io.WriteString(w, b.String())
	return werr
}
