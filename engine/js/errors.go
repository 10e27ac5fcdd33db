package js

import (
	"errors"
	"fmt"
	"runtime/debug"

	"github.com/scriptrun/scriptrun/third_party/goja"

	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/limits"
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
	switch {
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
			}
			return e
		}
	}
	e := &engine.Error{Kind: engine.KindRuntime, Message: "uncaught " + r.describe(v), Pos: r.prog.name}
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
			e.Stack = append(e.Stack, fmt.Sprintf("... %d more frames", len(frames)-i))
			break
		}
		p := f.Position()
		if p.Filename != r.prog.name || p.Line == 0 {
			continue
		}
		pos := fmtPos(r.prog.name, r.prog.prefix, p.Line, p.Column)
		if e.Pos == "" || e.Pos == r.prog.name {
			e.Pos = pos
		}
		name := f.FuncName()
		if name == "" {
			name = "<anonymous>"
		}
		e.Stack = append(e.Stack, name+" ("+pos+")")
	}
}

// locateFromErrorObject uses the stack an Error object captured when it was
// made (rejected promises carry no goja stack).
func (r *run) locateFromErrorObject(e *engine.Error, v goja.Value) {
	o, ok := v.(*goja.Object)
	if !ok || o.ClassName() != "Error" {
		return
	}
	var frames []goja.StackFrame
	_ = r.vm.Try(func() {
		if ex, ok := o.Export().(error); ok {
			var gex *goja.Exception
			if errors.As(ex, &gex) {
				frames = gex.Stack()
			}
		}
	})
	if frames != nil {
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
			return s.String()
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
		name, msg := r.dataString(o, "name"), r.dataString(o, "message")
		if name == "" {
			name = "Error"
		}
		if msg == "" {
			return name
		}
		return name + ": " + msg
	}
	return "[object " + o.ClassName() + "]"
}

// dataString reads a string data property along the prototype chain without
// calling getters.
func (r *run) dataString(o *goja.Object, key string) string {
	for depth := 0; o != nil && depth < 32; depth++ {
		if o.ExportType() == typeProxy {
			return ""
		}
		var s string
		found := false
		_ = r.vm.Try(func() {
			desc := r.ownDescriptor(o, key)
			if desc == nil {
				return
			}
			found = true
			if v := desc.Get("value"); v != nil {
				if str, ok := v.(goja.String); ok {
					s = str.String()
				}
			}
		})
		if found {
			if len(s) > 1000 {
				s = s[:1000] + "..."
			}
			return s
		}
		o = o.Prototype()
	}
	return ""
}

// ownDescriptor returns Object.getOwnPropertyDescriptor(o, key) using the
// runtime's pristine function captured at setup, or nil.
func (r *run) ownDescriptor(o *goja.Object, key string) *goja.Object {
	if r.getOwnPropertyDescriptor == nil {
		return nil
	}
	var d goja.Value
	if r.vm.Try(func() { d = call(r.getOwnPropertyDescriptor, goja.Undefined(), o, r.vm.ToValue(key)) }) != nil {
		return nil
	}
	do, _ := d.(*goja.Object)
	return do
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
