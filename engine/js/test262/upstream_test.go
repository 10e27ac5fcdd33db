package test262

import (
	"errors"
	"fmt"
	"os"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/dop251/goja"

	"github.com/scriptrun/scriptrun/engine/js/internal/lockdown"
)

// upstreamTimeout bounds one variant on raw goja (goja's runner has no
// bound; a test that hangs would stop the whole comparison).
const upstreamTimeout = 2 * time.Minute

// harness holds the test262 harness files, as source (for the host, which
// takes one script) and compiled once (for raw goja, like goja's runner).
type harness struct {
	dir   string
	mu    sync.Mutex
	src   map[string]string
	progs map[string]*goja.Program
}

func newHarness(dir string) *harness {
	return &harness{dir: dir, src: map[string]string{}, progs: map[string]*goja.Program{}}
}

func (h *harness) source(name string) (string, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if s, ok := h.src[name]; ok {
		return s, nil
	}
	b, err := os.ReadFile(path.Join(h.dir, "harness", name))
	if err != nil {
		return "", err
	}
	h.src[name] = string(b)
	return string(b), nil
}

func (h *harness) program(name string) (*goja.Program, error) {
	src, err := h.source(name)
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if p, ok := h.progs[name]; ok {
		return p, nil
	}
	p, err := goja.Compile(name, src, false)
	if err != nil {
		return nil, err
	}
	h.progs[name] = p
	return p, nil
}

// outcome is the result of one variant on one engine.
type outcome struct {
	Pass bool     `json:"pass"`
	Skip bool     `json:"skip,omitempty"` // threw IgnorableTestError: goja's runner skips the test
	Kind string   `json:"kind,omitempty"` // host: the engine.Error kind; upstream: "js" or "go"
	Err  string   `json:"error,omitempty"`
	Logs []string `json:"-"`
}

func fail(kind, format string, a ...any) outcome {
	return outcome{Kind: kind, Err: fmt.Sprintf(format, a...)}
}

// sabStub is goja's: SharedArrayBuffer is not there, so a test that
// touches it is ignorable.
var sabStub = goja.MustCompile("sabStub.js", `
		Object.defineProperty(this, "SharedArrayBuffer", {
			get: function() {
				throw IgnorableTestError;
			}
		});`, false)

// runUpstream runs one variant on raw goja the way goja's runTC39Test does
// (less its checks of VM internals: value stack and iterator stack empty).
func runUpstream(h *harness, name, src string, m *meta) (out outcome) {
	vm := goja.New()
	timer := time.AfterFunc(upstreamTimeout, func() { vm.Interrupt("timeout") })
	defer timer.Stop()
	defer func() {
		if x := recover(); x != nil {
			out = fail("go", "panic: %v", x)
		}
	}()
	ignorable := vm.NewObject()
	_262 := vm.NewObject()
	_ = _262.Set("detachArrayBuffer", func(c goja.FunctionCall) goja.Value {
		if ab, ok := c.Argument(0).Export().(goja.ArrayBuffer); ok {
			ab.Detach()
			return goja.Undefined()
		}
		panic(vm.NewTypeError("detachArrayBuffer() is called with incompatible argument"))
	})
	_ = _262.Set("createRealm", func(goja.FunctionCall) goja.Value { panic(ignorable) })
	_ = _262.Set("evalScript", func(c goja.FunctionCall) goja.Value {
		v, err := vm.RunString(c.Argument(0).String())
		if err != nil {
			panic(err)
		}
		return v
	})
	_ = vm.Set("$262", _262)
	_ = vm.Set("IgnorableTestError", ignorable)
	if _, err := vm.RunProgram(sabStub); err != nil {
		return fail("go", "sabStub: %v", err)
	}
	var logs []string
	async := m.hasFlag("async")
	includes := []string{"assert.js", "sta.js"}
	if async {
		includes = append(includes, "doneprintHandle.js")
	}
	_ = vm.Set("print", func(c goja.FunctionCall) goja.Value {
		if async {
			logs = append(logs, c.Argument(0).String())
		}
		return goja.Undefined()
	})
	includes = append(includes, m.Includes...)

	err, early := func() (error, bool) {
		for _, inc := range includes {
			p, err := h.program(inc)
			if err != nil {
				return err, true
			}
			if _, err := vm.RunProgram(p); err != nil {
				return err, true
			}
		}
		p, err := goja.Compile(name, src, false)
		if err != nil {
			return err, true
		}
		_, err = vm.RunProgram(p)
		return err, false
	}()
	var ex *goja.Exception
	if errors.As(err, &ex) && ex.Value() == ignorable {
		return outcome{Skip: true, Err: "IgnorableTestError"}
	}
	neg := m.Negative
	if err != nil {
		if neg.Type == "" {
			return fail("js", "%v", err)
		}
		if (neg.Phase == "early" || neg.Phase == "parse") && !early || neg.Phase == "runtime" && early {
			return fail("js", "error %v happened at the wrong phase (expected %s)", err, neg.Phase)
		}
		var (
			typ string
			se  *goja.CompilerSyntaxError
			re  *goja.CompilerReferenceError
		)
		switch {
		case errors.As(err, &ex):
			o, ok := ex.Value().(*goja.Object)
			if !ok {
				return fail("js", "error is not an object (%v)", ex.Value())
			}
			c, ok := o.Get("constructor").(*goja.Object)
			if !ok {
				return fail("js", "error has no constructor (%v)", o)
			}
			typ = c.Get("name").String()
		case errors.As(err, &se):
			typ = "SyntaxError"
		case errors.As(err, &re):
			typ = "ReferenceError"
		default:
			return fail("go", "error is not a JS error: %v", err)
		}
		if typ != neg.Type {
			return fail("js", "unexpected error type (%s), expected (%s): %v", typ, neg.Type, err)
		}
		return outcome{Pass: true}
	}
	if neg.Type != "" {
		return fail("js", "expected %s (%s phase), got none", neg.Type, neg.Phase)
	}
	if async {
		return asyncOutcome(logs)
	}
	return outcome{Pass: true}
}

// asyncOutcome reads an async test's result from what it printed.
func asyncOutcome(logs []string) outcome {
	complete := false
	for _, l := range logs {
		if strings.HasPrefix(l, "Test262:AsyncTestFailure:") {
			return outcome{Kind: "js", Err: l, Logs: logs}
		}
		if l == "Test262:AsyncTestComplete" {
			complete = true
		}
	}
	if !complete {
		return outcome{Kind: "js", Err: "Test262:AsyncTestComplete was not printed", Logs: logs}
	}
	return outcome{Pass: true, Logs: logs}
}

// lockdownSrc does on raw goja what the host does natively to every
// runtime against code generation from strings (package lockdown's test
// checks that scripts see the same), for the mirror that tells a refusal
// by design from a fault.
var lockdownSrc = lockdown.Source + "(this)"

// runMirror runs the host's exact source as the body of a function on raw
// goja: the host's way of running a script without the host. locked also
// closes the code generation routes the host closes.
func runMirror(code string, m *meta, locked bool) (out outcome) {
	vm := goja.New()
	timer := time.AfterFunc(upstreamTimeout, func() { vm.Interrupt("timeout") })
	defer timer.Stop()
	defer func() {
		if x := recover(); x != nil {
			out = fail("go", "panic: %v", x)
		}
	}()
	var logs []string
	console := vm.NewObject()
	_ = console.Set("log", func(c goja.FunctionCall) goja.Value {
		parts := make([]string, len(c.Arguments))
		for i, a := range c.Arguments {
			parts[i] = a.String()
		}
		logs = append(logs, strings.Join(parts, " "))
		return goja.Undefined()
	})
	_ = vm.Set("console", console)
	if locked {
		if _, err := vm.RunString(lockdownSrc); err != nil {
			return fail("go", "lockdown: %v", err)
		}
	}

	res := func(err error, early bool) outcome {
		o := hostStyle(err, early, m, logs)
		o.Logs = logs
		return o
	}
	p, err := goja.Compile("test.js", "(function(){"+code+"\n})", false)
	if err != nil {
		return res(err, true)
	}
	v, err := vm.RunProgram(p)
	if err != nil {
		return res(err, true)
	}
	fn, _ := goja.AssertFunction(v)
	_, err = fn(goja.Undefined())
	return res(err, false)
}

// hostStyle judges a mirror run by the rules the host run is judged by.
func hostStyle(err error, early bool, m *meta, logs []string) outcome {
	var ex *goja.Exception
	if errors.As(err, &ex) {
		if o, ok := ex.Value().(*goja.Object); ok && strings.Contains(o.String(), ignorableMarker) {
			return outcome{Skip: true, Err: "IgnorableTestError"}
		}
	}
	neg := m.Negative
	if err != nil {
		if neg.Type == "" {
			return fail("js", "%v", err)
		}
		if early != (neg.Phase == "parse" || neg.Phase == "early") {
			return fail("js", "error %v happened at the wrong phase (expected %s)", err, neg.Phase)
		}
		if !early && (ex == nil || !strings.HasPrefix(ex.Value().String(), neg.Type)) {
			return fail("js", "unexpected error %v, expected (%s)", err, neg.Type)
		}
		return outcome{Pass: true}
	}
	if neg.Type != "" {
		return fail("js", "expected %s (%s phase), got none", neg.Type, neg.Phase)
	}
	if m.hasFlag("async") {
		return asyncOutcome(logs)
	}
	return outcome{Pass: true}
}
