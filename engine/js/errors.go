package js

import (
	"encoding/json"
	"errors"
	"fmt"
	"github.com/scriptrun/scriptrun/engine/internal/jsontext"
	"math"
	"runtime/debug"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/scriptrun/scriptrun/third_party/goja"
	"github.com/scriptrun/scriptrun/third_party/goja/file"
	"github.com/scriptrun/scriptrun/third_party/goja/parser"

	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/limits"
	"github.com/scriptrun/scriptrun/loc"
)

// This file is the one place where goja's errors become *engine.Error. The
// kind always comes from the host's own records (the watchdog's cause, the
// host errors this run threw) and goja's error types, never from text.

// translate turns an error returned by goja into an *engine.Error.
func (r *run) translate(err error) *engine.Error {
	var (
		ie *goja.InterruptedError
		so *goja.StackOverflowError
		ex *goja.Exception
	)
	if cause := r.w.Cause(); cause != nil {
		e := engine.FromCause(cause)
		switch {
		case errors.As(err, &ie):
			r.locate(e, ie.Stack())
		case errors.As(err, &ex):
			r.locate(e, ex.Stack())
		}
		return e
	}
	var rt *goja.RegexpTimeoutError
	switch {
	case errors.As(err, &ie) && errors.As(ie, &rt):
		// A backtracking match ran out of the run's wall budget before the
		// watchdog's own deadline noticed: the same limit.
		e := engine.FromCause(r.w.Exceed(limits.Timeout))
		r.locate(e, ie.Stack())
		return e
	case errors.As(err, &ie):
		return &engine.Error{Kind: engine.KindInternal, Message: "the run was interrupted", Err: err}
	case errors.As(err, &so):
		e := engine.FromCause(r.w.Exceed(limits.StackDepth))
		e.Message = fmt.Sprintf("call stack deeper than %d frames", r.env.Budget.StackDepth)
		r.locate(e, so.Stack())
		return e
	case errors.As(err, &ex):
		return r.thrown(ex.Value(), ex)
	}
	return &engine.Error{Kind: engine.KindInternal, Message: "internal error", Err: err}
}

// thrown describes an uncaught thrown value (ex may be nil for a rejected
// promise, whose stack is the error object's own).
func (r *run) thrown(v goja.Value, ex *goja.Exception) *engine.Error {
	if o, ok := v.(*goja.Object); ok {
		if cause, ok := r.hostErrs[o]; ok {
			e := engine.FromCause(cause)
			if ex != nil {
				r.locate(e, ex.Stack())
			} else {
				r.locateFromErrorObject(e, v)
			}
			return e
		}
	}
	if r.nativeTooDeep(v) {
		e := engine.FromCause(r.w.Exceed(limits.StackDepth))
		e.Message = fmt.Sprintf("built-in calls nested deeper than %d levels", r.env.Budget.StackDepth)
		if ex != nil {
			r.locate(e, ex.Stack())
		}
		return e
	}
	e := &engine.Error{Kind: engine.KindRuntime, Message: "uncaught " + r.describe(v), Pos: loc.Pos{File: r.prog.name}}
	if ex != nil {
		r.locate(e, ex.Stack())
	} else {
		r.locateFromErrorObject(e, v)
	}
	return e
}

// maxFrames bounds the script stack kept in an error.
const maxFrames = 20

// locate fills Pos and Stack from goja's stack frames, keeping only frames
// of the script itself.
func (r *run) locate(e *engine.Error, frames []goja.StackFrame) {
	e.Stack = nil
	for i, f := range frames {
		if i == maxFrames {
			e.Stack = append(e.Stack, loc.Frame{Omitted: len(frames) - i})
			break
		}
		p := f.Position()
		if p.Filename != r.prog.name || p.Line == 0 {
			continue
		}
		pos := scriptPos(r.prog.name, r.prog.prefix, p.Line, p.Column)
		if e.Pos.Line == 0 {
			e.Pos = pos
		}
		name := f.FuncName()
		if name == "" {
			name = "<anonymous>"
		}
		e.Stack = append(e.Stack, loc.Frame{Func: name, Pos: pos})
	}
}

// locateFromErrorObject locates the reason of a rejected promise (which
// carries no goja stack): by the stack an Error object captured when it
// was made, or else where the value was thrown if it rejected the promise
// from an async function or a promise reaction (the patched goja's
// RejectionStack, patch 0096: throw {code: 42} after an await).
func (r *run) locateFromErrorObject(e *engine.Error, v goja.Value) {
	if o, ok := v.(*goja.Object); ok {
		if frames := o.ErrorStack(); frames != nil {
			r.locate(e, frames)
			return
		}
	}
	if frames := r.vm.RejectionStack(v); frames != nil {
		r.locate(e, frames)
	}
}

// describe renders a thrown value without running script code where it can:
// Error objects by their own name and message data properties.
func (r *run) describe(v goja.Value) string {
	if v == nil {
		return "undefined"
	}
	o, ok := v.(*goja.Object)
	if !ok {
		if s, ok := v.(goja.String); ok {
			return text(s)
		}
		if _, ok := v.(*goja.Symbol); ok {
			return "symbol"
		}
		return v.String()
	}
	if o.ExportType() == typeProxy {
		return "[object Proxy]"
	}
	if o.ClassName() == "Error" {
		return r.errorText(o)
	}
	if c := o.ClassName(); c == "Object" || c == "Array" {
		// throw {code: 42}: the value as JSON.
		j := &jsonText{Text: jsontext.Text{Max: maxDescribeBytes}}
		j.value(r, o, 0)
		return j.String()
	}
	return "[object " + o.ClassName() + "]"
}

// errorText renders an Error object as "Name: message".
func (r *run) errorText(o *goja.Object) string {
	name, msg := r.dataString(o, "name"), r.dataString(o, "message")
	if name == "" {
		name = "Error"
	}
	if msg == "" {
		return name
	}
	return name + ": " + msg
}

// Bounds of the JSON describe renders for a thrown object or array.
const (
	maxDescribeBytes = 1000 // then "..."
	maxDescribeDepth = 8    // deeper objects and arrays are "[object Object]", "[object Array]"
)

// jsonText renders a thrown value as JSON from its own enumerable data
// properties, as JSON.stringify would without toJSON and getters: it runs
// no script code (accessors and proxies are not looked into), and it stops
// after maxDescribeBytes, so an object with a million properties costs no
// more than a small one.
type jsonText struct {
	jsontext.Text
}

func (j *jsonText) str(s string) {
	if n := maxDescribeBytes; len(s) > n {
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		s = s[:n]
	}
	j.Write(quote(s))
}

// skipped reports whether JSON.stringify leaves v out of an object (and
// writes null for it in an array): undefined, functions and symbols.
func skipped(v goja.Value) bool {
	if v == nil || goja.IsUndefined(v) {
		return true
	}
	if _, ok := v.(*goja.Symbol); ok {
		return true
	}
	o, ok := v.(*goja.Object)
	return ok && o.ExportType() != typeProxy && o.ClassName() == "Function"
}

func (j *jsonText) value(r *run, v goja.Value, depth int) {
	if skipped(v) || goja.IsNull(v) {
		j.Write("null")
		return
	}
	o, ok := v.(*goja.Object)
	if !ok {
		switch x := v.Export().(type) {
		case string:
			if s, ok := v.(goja.String); ok {
				x = text(s)
			}
			j.str(x)
		case bool:
			j.Write(strconv.FormatBool(x))
		case float64:
			if math.IsNaN(x) || math.IsInf(x, 0) {
				j.Write("null")
				return
			}
			j.Write(v.String()) // JS number formatting
		default: // int64, *big.Int
			j.Write(v.String())
		}
		return
	}
	switch c := o.ClassName(); {
	case o.ExportType() == typeProxy:
		j.str("[object Proxy]")
	case c == "Error":
		j.str(r.errorText(o))
	case (c == "Object" || c == "Array") && depth >= maxDescribeDepth:
		j.str("[object " + c + "]")
	case c == "Array":
		j.Write("[")
		n := int64(0)
		if l, ok := o.OwnDataProperty("length"); ok {
			n = l.ToInteger()
		}
		for i := int64(0); i < n && !j.Full; i++ {
			if i > 0 {
				j.Write(",")
			}
			e, _ := o.OwnDataProperty(strconv.FormatInt(i, 10))
			j.value(r, e, depth+1)
		}
		j.Write("]")
	case c == "Object":
		j.Write("{")
		first := true
		o.EachOwnKey(func(k string) bool {
			e, ok := o.OwnDataProperty(k)
			if !ok || skipped(e) {
				return true
			}
			if !first {
				j.Write(",")
			}
			first = false
			j.str(k)
			j.Write(":")
			j.value(r, e, depth+1)
			return !j.Full
		})
		j.Write("}")
	default:
		j.str("[object " + c + "]")
	}
}

// dataString reads a string data property along the prototype chain
// without running script code (no getters, no proxy traps).
func (r *run) dataString(o *goja.Object, key string) string {
	for depth := 0; o != nil && depth < 32; depth++ {
		if o.ExportType() == typeProxy {
			return ""
		}
		if v, ok := o.OwnDataProperty(key); ok {
			s := ""
			if str, isStr := v.(goja.String); isStr {
				s = text(str)
			}
			if len(s) > 1000 {
				n := 1000
				for n > 0 && !utf8.RuneStart(s[n]) {
					n--
				}
				s = s[:n] + "..."
			}
			return s
		}
		o = o.Prototype()
	}
	return ""
}

// text renders a JS string for a message: as it is, but a lone surrogate
// (which has no UTF-8 form) is written as its escape, \udXXX, rather than
// silently replaced.
func text(s goja.String) string {
	str := s.String()
	if loneSurrogate(s, str) == "" {
		return str
	}
	var b strings.Builder
	n := s.Length()
	for i := 0; i < n; i++ {
		c := s.CharAt(i)
		switch {
		case c >= 0xd800 && c <= 0xdbff && i+1 < n && s.CharAt(i+1) >= 0xdc00 && s.CharAt(i+1) <= 0xdfff:
			b.WriteRune(utf16.DecodeRune(rune(c), rune(s.CharAt(i+1))))
			i++
		case c >= 0xd800 && c <= 0xdfff:
			fmt.Fprintf(&b, "\\u%04x", c)
		default:
			b.WriteRune(rune(c))
		}
	}
	return b.String()
}

// panicError turns a panic that escaped goja into an error: the stop
// sentinel means the watchdog has the cause; anything else is a fault (for
// example an allocation goja could not make) and becomes an internal error,
// or the limit the watchdog recorded.
func (r *run) panicError(rec any) error {
	if cause := r.w.Cause(); cause != nil {
		e := engine.FromCause(cause)
		if _, ok := rec.(stop); ok {
			r.locate(e, r.stopStack)
		}
		return e
	}
	if _, ok := rec.(stop); ok {
		return &engine.Error{Kind: engine.KindInternal, Message: "run stopped without a cause"}
	}
	return &engine.Error{Kind: engine.KindInternal, Message: "the script engine failed",
		Err: fmt.Errorf("panic: %v\n%s", rec, debug.Stack())}
}

// nativeDepthMsg is the message of the RangeError the patched goja throws
// when built-ins recurse in Go deeper than SetMaxNativeDepth (third_party/
// patches/goja 0030).
const nativeDepthMsg = "Maximum call stack size exceeded"

// nativeTooDeep says whether v is goja's native recursion RangeError: a
// script may catch it (as in V8), but left uncaught it ends the run as the
// stackDepth limit, like JS recursion. A script that throws its own
// RangeError with the same message gets the same limit, which it could
// have had by recursing.
func (r *run) nativeTooDeep(v goja.Value) bool {
	o, ok := v.(*goja.Object)
	if !ok || o.ClassName() != "Error" || o.Prototype() == nil {
		return false
	}
	return o.Prototype() == r.vm.NewRangeError("").Prototype() && r.dataString(o, "message") == nativeDepthMsg
}

// Compile errors: positions in the wrapped source become positions in the
// script.

// clampToScript moves a syntax error that goja found in the wrapper after
// the script (an unclosed bracket or string) to the end of the script.
func clampToScript(err error, src engine.Source) error {
	e, ok := err.(*engine.Error)
	if !ok || e.Pos.Line == 0 {
		return err
	}
	line, col := e.Pos.Line, e.Pos.Col
	lines := strings.Split(src.Code, "\n")
	lastLen := len([]rune(lines[len(lines)-1]))
	if line > len(lines) || line == len(lines) && col > lastLen+1 {
		e.Pos = loc.Pos{File: src.Name, Line: len(lines), Col: lastLen + 1}
		e.Message = "unexpected end of script (" + e.Message + "; is a bracket, brace or string left open?)"
	}
	return e
}

// compileError translates a parser or compiler error.
func compileError(name string, prefix int, err error) error {
	var list parser.ErrorList
	var one *parser.Error
	var ce *goja.CompilerSyntaxError
	var re *goja.CompilerReferenceError
	switch {
	case errors.As(err, &list) && len(list) > 0:
		e := list[0]
		return &engine.Error{Kind: engine.KindCompile, Message: e.Message,
			Pos: scriptPos(name, prefix, e.Position.Line, e.Position.Column), Err: err}
	case errors.As(err, &one):
		return &engine.Error{Kind: engine.KindCompile, Message: one.Message,
			Pos: scriptPos(name, prefix, one.Position.Line, one.Position.Column), Err: err}
	case errors.As(err, &ce):
		return posError(name, prefix, ce.File, ce.Offset, ce.Message)
	case errors.As(err, &re):
		return posError(name, prefix, re.File, re.Offset, re.Message)
	}
	return &engine.Error{Kind: engine.KindCompile, Message: "cannot compile the script", Pos: loc.Pos{File: name}, Err: err}
}

func posError(name string, prefix int, f *file.File, offset int, msg string) error {
	e := &engine.Error{Kind: engine.KindCompile, Message: msg, Pos: loc.Pos{File: name}}
	if f != nil && offset >= 0 {
		p := f.Position(offset)
		e.Pos = scriptPos(name, prefix, p.Line, p.Column)
	}
	return e
}

// scriptPos turns a position in the wrapped source into one in the script.
func scriptPos(name string, prefix, line, col int) loc.Pos {
	if line == 1 {
		col -= prefix
		if col < 1 {
			col = 1
		}
	}
	return loc.Pos{File: name, Line: line, Col: col}
}

// quote is s as a JSON string, with <, > and & as they are (json.Marshal
// would write them as \u003c and so on, for HTML).
func quote(s string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}
