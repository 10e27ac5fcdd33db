package js

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"reflect"
	"runtime"
	"strings"
	"time"

	"github.com/scriptrun/scriptrun/third_party/goja"

	"github.com/scriptrun/scriptrun/bridge"
	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/loc"
)

// grant is the most steps (VM instructions and built-in loop iterations)
// the VM takes before it reports to the meter again: about 0.2-1 ms of
// script, so the meter's cost (an atomic add and a CPU clock check at most
// once a millisecond) is negligible. The budget is exact: a grant never
// exceeds what is left.
const grant = 1 << 16

var typePromise = reflect.TypeOf((*goja.Promise)(nil))

// stop is the panic that ends a run at once from inside a native function.
// goja lets Go panics of unknown types pass every try/catch/finally and
// promise job, so the script cannot catch or delay it.
type stop struct{}

// run is the state of one run: one goroutine, one fresh goja runtime.
type run struct {
	ctx  context.Context
	vm   *goja.Runtime
	env  *engine.Env
	w    engine.Meter
	prog *program

	uint8Array *goja.Object
	hostErrs   map[*goja.Object]error
	stopStack  []goja.StackFrame
	stepsBase  int64 // the runtime's steps before the script

	std         stdGlobals           // the globals of stdlib.go
	stdState    map[*goja.Object]any // Go state of the library's objects
	spCtor      *goja.Object         // the library's URLSearchParams
	nativeSteps int64                // steps the library charged itself
}

// Run runs p once in a fresh runtime.
func (b *Backend) Run(ctx context.Context, p engine.Program, env *engine.Env) (v any, err error) {
	prog, ok := p.(*program)
	if !ok {
		return nil, &engine.Error{Kind: engine.KindInternal, Message: "program of another backend"}
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	r := prepare()
	r.ctx, r.env, r.w, r.prog = ctx, env, env.Meter, prog
	defer func() {
		if rec := recover(); rec != nil {
			v, err = nil, r.panicError(rec)
		}
	}()
	if err := r.setup(); err != nil {
		return nil, err
	}
	r.w.Begin()
	stopInterrupt := context.AfterFunc(ctx, func() { r.vm.Interrupt(r.w.Cause()) })
	defer stopInterrupt()

	r.stepsBase = r.vm.StepsUsed()
	r.vm.SetStepMeter(r.meterSteps)
	defer r.exactSteps()
	fn, err := r.instantiate()
	if err != nil {
		return nil, err
	}
	if env.Coverage != nil {
		defer r.cover(env.Coverage)()
	}
	defer r.w.SampleCPU()
	res, err := fn(goja.Undefined())
	if err == nil {
		res, err = r.settle(res)
	}
	if err != nil {
		var ee *engine.Error
		if errors.As(err, &ee) {
			return nil, ee
		}
		return nil, r.translate(err)
	}
	if err := r.w.CheckCPU(); err != nil {
		return nil, engine.FromCause(err)
	}
	if cause := r.w.Cause(); cause != nil {
		return nil, engine.FromCause(cause)
	}
	out, err := r.exportResult(res)
	if err != nil {
		return nil, err
	}
	if cause := r.w.Cause(); cause != nil {
		return nil, engine.FromCause(cause)
	}
	return out, nil
}

// cover makes the VM record the lines the script runs (the patched goja's
// line hook, third_party/patches/goja 0095, which runs a loop of its own,
// so runs without coverage pay nothing) and returns the function that adds
// them to c: deferred, so a run that fails keeps the lines it ran. It is
// set after the wrapper is instantiated, so only the script's own code
// counts.
func (r *run) cover(c *engine.Coverage) func() {
	seen := make([]bool, r.prog.lines+1)
	r.vm.SetLineHook(func(source string, line int) {
		if source == r.prog.name && line > 0 && line < len(seen) {
			seen[line] = true
		}
	})
	return func() {
		r.vm.SetLineHook(nil)
		if c.Lines == nil {
			c.Lines = map[int]bool{}
		}
		for line, ok := range seen {
			if ok {
				c.Lines[line] = true
			}
		}
	}
}

// prepare makes a fresh runtime and locks it down: every route to code
// generation from strings (eval, the Function, AsyncFunction and
// GeneratorFunction constructors, however reached) throws a TypeError
// (the patched goja's AllowCodeGenerationFromStrings, patch 0060). goja
// makes its built-ins lazily, on first use, so a fresh runtime costs a
// couple of microseconds; each is used for exactly one run.
func prepare() *run {
	vm := goja.New()
	vm.AllowCodeGenerationFromStrings(false)
	return &run{vm: vm}
}

// setup binds a prepared runtime to this run: limits, seed, clock and the
// script's globals.
func (r *run) setup() error {
	vm := r.vm
	vm.SetMaxCallStackSize(int(r.env.Budget.StackDepth))
	// The patched goja's own guards (third_party/patches/goja 0020-0035):
	// built-ins calling built-ins in Go count against the same depth
	// budget as script frames; allocation caps per single allocation; every
	// allocation whose size the script controls is charged to the run's
	// memory budget (an error stops the script, uncatchably); a
	// backtracking regexp match may take what is left of the wall budget.
	vm.SetMaxNativeDepth(int(r.env.Budget.StackDepth))
	vm.SetLimits(goja.DefaultLimits())
	vm.SetMemoryMeter(r.w.AddMemory)
	vm.SetRegexpTimeout(r.regexpTimeout)
	rng := rand.New(rand.NewPCG(r.env.Seed, r.env.Seed^0x9e3779b97f4a7c15))
	vm.SetRandSource(rng.Float64)
	vm.SetTimeSource(r.env.Now)
	// Scripts see UTC as local time, whatever the host's zone: a result must
	// not depend on where the host runs.
	vm.SetTimeZone(time.UTC)
	g := vm.GlobalObject()
	define := func(o *goja.Object, k string, v goja.Value) {
		_ = o.DefineDataProperty(k, v, goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_TRUE)
	}
	define(g, "input", r.importValue(r.env.Input))
	// host and console are made lazily (goja's NewLazyObject, patch 0062):
	// a host function object is made the first time the script looks at
	// it, so a run pays for the functions it uses, not for every function
	// of every module the host has.
	mods := r.env.Modules
	modNames := make([]string, len(mods))
	for i, m := range mods {
		modNames[i] = m.Name
	}
	define(g, "host", vm.NewLazyObject(modNames, func(i int) goja.Value {
		m := mods[i]
		names := make([]string, len(m.Funcs))
		for j, f := range m.Funcs {
			names[j] = f.Name
		}
		return vm.NewLazyObject(names, func(j int) goja.Value {
			f := m.Funcs[j]
			capability, params := m.Name+"."+f.Name, f.Params
			return r.newFunc(vm.ToValue(f.Name), func(c goja.FunctionCall) goja.Value { return r.hostCall(capability, params, c) })
		}, false, true, false)
	}, false, true, false))
	define(g, "console", vm.NewLazyObject(consoleNames, func(i int) goja.Value {
		level := consoleNames[i]
		lvl := level
		if lvl == "log" {
			lvl = "info"
		}
		return r.newFunc(vm.ToValue(level), func(c goja.FunctionCall) goja.Value { return r.log(level, lvl, c) })
	}, false, true, false))
	r.installStd()
	return nil
}

// consoleNames are the functions of console, in order.
var consoleNames = []string{"log", "info", "warn", "error", "debug"}

// regexpTimeout is what is left of the run's wall budget: one backtracking
// match may not outlive the run. (The deadline also interrupts the VM; a
// match inside regexp2 only sees this timeout.)
func (r *run) regexpTimeout() time.Duration {
	if d, ok := r.ctx.Deadline(); ok {
		return time.Until(d)
	}
	return r.env.Budget.Timeout
}

// instantiate runs the wrapper and returns the script's function.
func (r *run) instantiate() (goja.Callable, error) {
	v, err := r.vm.RunProgram(r.prog.prog)
	if err != nil {
		return nil, r.translate(err)
	}
	fn, ok := goja.AssertFunction(v)
	if !ok {
		return nil, &engine.Error{Kind: engine.KindInternal, Message: "wrapper is not a function"}
	}
	return fn, nil
}

// meterSteps is the VM's step meter: it charges the steps of the grant just
// used and grants the next, at most what is left. With nothing left, the
// step that asked for more is over the budget.
func (r *run) meterSteps(used int64) (int64, error) {
	left, err := r.w.AddSteps(used)
	if err == nil && left <= 0 {
		_, err = r.w.AddSteps(1)
	}
	if err != nil {
		return 0, err
	}
	return min(grant, left), nil
}

// exactSteps sets the run's step count to the VM's exact figure (the meter
// has only been told about whole grants). A run stopped for going over the
// step budget keeps the meter's count, which says so.
func (r *run) exactSteps() {
	if r.w.Steps() <= r.w.Budget().Steps {
		r.w.SetSteps(r.vm.StepsUsed() - r.stepsBase + r.nativeSteps)
	}
}

// settle waits for a returned promise: the job queue has already run, so a
// promise still pending can never settle.
func (r *run) settle(res goja.Value) (goja.Value, error) {
	o, ok := res.(*goja.Object)
	if !ok || o.ExportType() != typePromise {
		return res, nil
	}
	p := o.Export().(*goja.Promise)
	switch p.State() {
	case goja.PromiseStateFulfilled:
		return p.Result(), nil
	case goja.PromiseStateRejected:
		if cause := r.w.Cause(); cause != nil {
			return nil, engine.FromCause(cause)
		}
		return nil, r.thrown(p.Result(), nil)
	}
	if cause := r.w.Cause(); cause != nil {
		return nil, engine.FromCause(cause)
	}
	return nil, &engine.Error{Kind: engine.KindRuntime, Pos: loc.Pos{File: r.prog.name},
		Message: "the script's promise never settled (it awaits something that cannot happen)"}
}

// hostCall is the script side of every host function.
func (r *run) hostCall(capability string, params []bridge.Param, c goja.FunctionCall) goja.Value {
	if r.w.Cause() != nil {
		r.halt()
	}
	args := make([]any, len(c.Arguments))
	for i, a := range c.Arguments {
		x, err := r.exportArg(a)
		if err != nil {
			panic(r.vm.NewTypeError("%s", bridge.NewArgError(capability, params, i, err).Error()))
		}
		args[i] = x
	}
	res, err := r.env.Call(r.ctx, capability, args)
	if err != nil {
		r.hostFail(err)
	}
	return r.importValue(res)
}

// exportArg copies one argument; a getter or proxy trap that throws is an
// argument error, an interrupt passes through.
func (r *run) exportArg(a goja.Value) (x any, err error) {
	var verr error
	if ex := r.vm.Try(func() { x, verr = newExporter(r.env.Args).export(a, 0, nil) }); ex != nil {
		return nil, &bridge.ValueError{Path: "$", Msg: "reading the value threw: " + r.describe(ex.Value())}
	}
	return x, verr
}

// hostFail turns a dispatcher error into what the script sees: a catchable
// error when engine.Catchable says so, an immediate stop for everything
// else.
func (r *run) hostFail(err error) {
	var (
		ae *bridge.ArgError
		he *bridge.HostError
		de *bridge.DeniedError
	)
	if r.w.Cause() != nil {
		r.halt()
	}
	if engine.Catchable(err) {
		switch {
		case errors.As(err, &ae):
			panic(r.hostError(r.vm.NewTypeError("%s", ae.Error()), err, ""))
		case errors.As(err, &he):
			panic(r.hostError(r.vm.NewError(he.Error()), err, "HostError"))
		case errors.As(err, &de):
			panic(r.hostError(r.vm.NewError(de.Error()), err, "DeniedError"))
		}
	}
	r.w.Trip(err)
	r.halt()
}

// halt ends the run at once (the watchdog holds the cause), remembering
// where the script was.
func (r *run) halt() {
	r.stopStack = r.vm.CaptureCallStack(maxFrames+1, nil)
	panic(stop{})
}

// hostError names o, an error object made with one of the runtime's
// built-in constructors (not whatever the script has bound to their
// names), and remembers cause so that, if the script does not catch it,
// the run's error has the cause's kind.
func (r *run) hostError(o *goja.Object, cause error, name string) *goja.Object {
	if name != "" {
		_ = o.DefineDataProperty("name", r.vm.ToValue(name), goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	}
	if r.hostErrs == nil {
		r.hostErrs = map[*goja.Object]error{}
	}
	r.hostErrs[o] = cause
	return o
}

// log implements console.<name> at level: arguments joined by spaces,
// non-strings as JSON. A string with a lone surrogate is a TypeError (a
// log line is text; it is not silently changed).
func (r *run) log(name, level string, c goja.FunctionCall) goja.Value {
	if r.w.Cause() != nil {
		r.halt()
	}
	var b strings.Builder
	left := r.env.Budget.Logs
	for i, a := range c.Arguments {
		if i > 0 {
			b.WriteByte(' ')
		}
		if s, ok := a.(goja.String); ok {
			str := s.String()
			if msg := loneSurrogate(s, str); msg != "" {
				panic(r.vm.NewTypeError("console.%s: argument %d has %s; a log line is text", name, i+1, msg))
			}
			b.WriteString(str)
		} else if o, isObj := a.(*goja.Object); isObj {
			x, err := r.exportArg(o)
			if err != nil {
				b.WriteString("[object " + o.ClassName() + "]")
			} else {
				j, _ := json.Marshal(x)
				b.Write(j)
			}
		} else {
			b.WriteString(r.describe(a))
		}
		if int64(b.Len()) > left {
			break
		}
	}
	if err := r.env.Log(level, b.String()); err != nil {
		r.halt()
	}
	return goja.Undefined()
}

// exportResult copies the script's result, bounded by the output budget.
func (r *run) exportResult(res goja.Value) (out any, err error) {
	var verr error
	ex := r.vm.Try(func() { out, verr = newExporter(bridge.ValueLimits{MaxBytes: r.env.Budget.Output}).export(res, 0, nil) })
	if ex != nil {
		return nil, r.thrown(ex.Value(), ex)
	}
	if verr != nil {
		return nil, engine.ResultError(r.w, loc.Pos{File: r.prog.name}, verr)
	}
	return out, nil
}
