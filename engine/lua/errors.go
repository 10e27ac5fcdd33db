package lua

import (
	"encoding/json"
	"errors"
	"fmt"
	"github.com/scriptrun/scriptrun/engine/internal/jsontext"
	"math"
	"runtime/debug"
	"strings"
	"unicode/utf8"

	glua "github.com/scriptrun/scriptrun/third_party/gopher-lua"
	"github.com/scriptrun/scriptrun/third_party/gopher-lua/parse"

	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/limits"
	"github.com/scriptrun/scriptrun/loc"
)

// This file is the one place where gopher-lua's errors become
// *engine.Error. The kind always comes from the host's own records (the
// watchdog's cause, the host errors this run raised, the stack-overflow
// flag) and gopher-lua's error types, never from message text.

// compileError translates a parser or compiler error.
func compileError(src engine.Source, err error) *engine.Error {
	name := src.Name
	var (
		pe *parse.Error
		ce *glua.CompileError
	)
	switch {
	case errors.As(err, &pe):
		msg := pe.Message
		if pe.Token != "" {
			msg += " near '" + clip(pe.Token, 40) + "'"
		}
		if pe.Pos.Line == parse.EOF {
			line, col := endOfSource(src.Code)
			return &engine.Error{Kind: engine.KindCompile, Message: msg + " at the end of the script",
				Pos: loc.Pos{File: name, Line: line, Col: col}, Err: err}
		}
		return &engine.Error{Kind: engine.KindCompile, Message: msg,
			Pos: loc.Pos{File: name, Line: pe.Pos.Line, Col: pe.Pos.Column}, Err: err}
	case errors.As(err, &ce):
		return &engine.Error{Kind: engine.KindCompile, Message: ce.Message,
			Pos: loc.Pos{File: name, Line: ce.Line}, Err: err}
	}
	return &engine.Error{Kind: engine.KindCompile, Message: "cannot parse the script", Pos: loc.Pos{File: name}, Err: err}
}

// translate turns the error of the script's protected call into an
// *engine.Error.
func (r *run) translate(err error) *engine.Error {
	var gp *glua.GoPanicError
	if errors.As(r.v.L.Halted(), &gp) {
		// Go code panicked inside the VM (a fault of gopher-lua or of a
		// Go function): the patched VM halted, so nothing in the script
		// caught it; its Go details stay in Err, for the host's log.
		return &engine.Error{Kind: engine.KindInternal, Message: "the script engine failed",
			Err: fmt.Errorf("%v\n%s", gp, gp.Stack)}
	}
	if cause := r.w.Cause(); cause != nil {
		e := engine.FromCause(cause)
		r.locate(e)
		if r.overflow || (e.Kind == engine.KindLimit && e.Limit == limits.StackDepth) {
			e.Message = fmt.Sprintf("call stack deeper than %d frames", r.env.Budget.StackDepth)
		}
		return e
	}
	var ae *glua.ApiError
	if !errors.As(err, &ae) {
		return &engine.Error{Kind: engine.KindInternal, Message: "internal error", Err: err}
	}
	if ae.Type == glua.ApiErrorPanic {
		// A Go panic inside gopher-lua: its text is Go's, not the script's.
		return &engine.Error{Kind: engine.KindInternal, Message: "the script engine failed", Err: err}
	}
	if s, ok := ae.Object.(glua.LString); ok {
		if cause, ok := r.hostErrs[s]; ok {
			e := engine.FromCause(cause)
			r.locateValue(e, ae.Object)
			return e
		}
	}
	e := &engine.Error{Kind: engine.KindRuntime}
	r.locateValue(e, ae.Object)
	e.Message = r.describe(ae.Object, e.Pos)
	return e
}

// locate fills Pos and Stack from what the error handler recorded.
func (r *run) locate(e *engine.Error) {
	if !r.errPos.IsZero() {
		e.Pos = r.errPos
	}
	if e.Pos.IsZero() {
		e.Pos = loc.Pos{File: r.prog.name}
	}
	e.Stack = r.errStack
}

// locateValue is locate for an uncaught error value: one that a failed
// coroutine raised (and its resumer raised again) is where the coroutine
// was, its frames on top of the resumer's.
func (r *run) locateValue(e *engine.Error, v glua.LValue) {
	r.locate(e)
	c := r.coErr
	if c.val == nil || c.val != v || c.pos.IsZero() {
		return
	}
	e.Pos = c.pos
	stack := append(append([]loc.Frame{}, c.stack...), r.errStack...)
	if len(stack) > maxFrames {
		stack = stack[:maxFrames]
	}
	e.Stack = stack
}

// describe renders an error value without running script code: strings as
// they are (without the position prefix error() adds when it is the Pos),
// tables as JSON of their raw contents (as engine/js describes a thrown
// object: error({code = 42}) reads {"code":42}), anything else by its
// type.
func (r *run) describe(v glua.LValue, pos loc.Pos) string {
	switch v := v.(type) {
	case glua.LString:
		s := string(v)
		s = strings.TrimPrefix(s, pos.String()+": ")
		return clip(escapeInvalid(s), maxDescribeBytes)
	case glua.LNumber, glua.LBool:
		return v.String()
	case *glua.LNilType:
		return "error(nil)"
	case *glua.LTable:
		j := &jsonText{Text: jsontext.Text{Max: maxDescribeBytes}}
		j.value(v, 0)
		return j.String()
	}
	return "an error value of type " + v.Type().String()
}

// Bounds of the JSON describe renders for a table.
const (
	maxDescribeBytes = 1000 // then "..."
	maxDescribeDepth = 8    // deeper tables are "[table]"
	maxDescribeKeys  = 4096 // table entries looked at in all
)

// jsonText renders an error table as JSON from its raw contents (rawget
// and next: no metamethod runs): a table whose keys are exactly 1..n
// (holes as null) is an array, any other an object whose keys are its
// string, number and boolean keys, in the table's order. It stops after
// maxDescribeBytes, or after maxDescribeKeys entries, so a table with a
// million entries costs no more than a small one.
type jsonText struct {
	jsontext.Text
	keys int
}

func (j *jsonText) str(s string) {
	s = clip(s, maxDescribeBytes)
	j.Write(jsonQuote(escapeInvalid(s)))
}

// more counts one table entry looked at; false when the budget is spent.
func (j *jsonText) more() bool {
	j.keys++
	if j.keys > maxDescribeKeys {
		j.Write("...")
		j.Full = true
	}
	return !j.Full
}

func (j *jsonText) value(v glua.LValue, depth int) {
	switch v := v.(type) {
	case glua.LString:
		j.str(string(v))
	case glua.LNumber:
		f := float64(v)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			j.Write("null")
			return
		}
		j.Write(v.String())
	case glua.LBool:
		j.Write(v.String())
	case *glua.LNilType:
		j.Write("null")
	case *glua.LTable:
		if depth >= maxDescribeDepth {
			j.str("[table]")
			return
		}
		if n := v.Len(); n > 0 {
			if k, _ := v.Next(glua.LNumber(n)); k == glua.LNil {
				j.Write("[")
				for i := 1; i <= n && j.more(); i++ {
					if i > 1 {
						j.Write(",")
					}
					j.value(v.RawGetInt(i), depth+1)
				}
				j.Write("]")
				return
			}
		}
		j.Write("{")
		first := true
		for k, e := v.Next(glua.LNil); k != glua.LNil && j.more(); k, e = v.Next(k) {
			var key string
			switch k := k.(type) {
			case glua.LString:
				key = string(k)
			case glua.LNumber, glua.LBool:
				key = k.String()
			default:
				continue
			}
			if !first {
				j.Write(",")
			}
			first = false
			j.str(key)
			j.Write(":")
			j.value(e, depth+1)
		}
		j.Write("}")
	default:
		j.str("[" + v.Type().String() + "]")
	}
}

// escapeInvalid writes each byte of s that is not valid UTF-8 as \xNN, so
// an error message is text without the bytes being silently replaced.
func escapeInvalid(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size <= 1 {
			fmt.Fprintf(&b, "\\x%02x", s[i])
			i++
			continue
		}
		b.WriteString(s[i : i+size])
		i += size
	}
	return b.String()
}

// clip cuts s to at most n bytes (and "..."), at a character boundary.
func clip(s string, n int) string {
	if len(s) > n {
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		return s[:n] + "..."
	}
	return s
}

// panicError turns a Go panic that escaped gopher-lua into an error: the
// watchdog's cause when it has one, else an internal error whose Go details
// stay in Err (for the host's log), never in Message.
func (r *run) panicError(rec any) error {
	if cause := r.w.Cause(); cause != nil {
		e := engine.FromCause(cause)
		r.locate(e)
		return e
	}
	return &engine.Error{Kind: engine.KindInternal, Message: "the script engine failed",
		Err: fmt.Errorf("panic: %v\n%s", rec, debug.Stack())}
}

// endOfSource returns the line and column just after the last character of
// code that is not white space: where the parser ran out of script (its
// own position there is only "EOF").
func endOfSource(code string) (line, col int) {
	code = strings.TrimRight(code, " \t\r\n\f\v")
	line = 1 + strings.Count(code, "\n")
	return line, len(code) - strings.LastIndexByte(code, '\n')
}

// jsonQuote is s as a JSON string, with <, > and & as they are (json.Marshal
// would write them as \u003c and so on, for HTML).
func jsonQuote(s string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}
