package lua

import (
	"context"
	"errors"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	glua "github.com/yuin/gopher-lua"

	"github.com/scriptrun/scriptrun/bridge"
	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/limits"
)

// batch is how many VM instructions run between two calls to the watchdog.
// The count stays exact: a batch never exceeds the steps left.
const batch = 1000

// maxCoroutines bounds the live coroutines of a run.
const maxCoroutines = 64

// errStopped is what the VM raises once the run is stopped. Its text is
// never used to classify: the watchdog's cause is.
var errStopped = errors.New("run stopped")

// counter is the context given to every thread of a run. gopher-lua calls
// Done once per VM instruction, so counting calls counts instructions
// exactly. Every batch it reports to the watchdog; once the run is stopped
// Done returns a closed channel and the VM raises at its next instruction,
// in every frame, so pcall, xpcall and coroutines cannot go on.
//
// Done is only called on the run's goroutine; stop is safe from any
// goroutine.
type counter struct {
	w              engine.Meter
	used, reported int64
	limit          int64
	done           chan struct{}
	once           sync.Once
	closed         atomic.Bool
}

func newCounter(w engine.Meter) *counter {
	return &counter{w: w, done: make(chan struct{})}
}

func (c *counter) Deadline() (time.Time, bool) { return time.Time{}, false }
func (c *counter) Value(any) any               { return nil }

func (c *counter) Err() error {
	if c.closed.Load() {
		return errStopped
	}
	return nil
}

// Done returns nil (a channel that is never ready, which the VM's select
// skips at the least cost) while the run goes on, and the closed channel
// once it is stopped.
func (c *counter) Done() <-chan struct{} {
	c.used++
	if c.used > c.limit {
		c.refill()
	}
	if c.closed.Load() {
		return c.done
	}
	return nil
}

// refill reports the steps used since the last report and grants the next
// batch; when the budget (steps or CPU) is gone the watchdog trips and
// closes done through stop.
func (c *counter) refill() {
	left, err := c.w.AddSteps(c.used - c.reported)
	c.reported = c.used
	if err != nil {
		c.stop()
		c.limit = c.used + batch
		return
	}
	c.limit = c.used + min(batch, left)
}

func (c *counter) stop() {
	c.once.Do(func() {
		close(c.done)
		c.closed.Store(true)
	})
}

func (c *counter) stopped() bool { return c.closed.Load() }

// run is the state of one run: one goroutine, one fresh vm.
type run struct {
	ctx  context.Context // the run's ctx: done when the run stops
	env  *engine.Env
	w    engine.Meter
	prog *program
	v    *vm
	c    *counter
	rng  *rand.Rand

	hostErrs map[glua.LString]error // error values raised for host errors -> cause
	ids      map[glua.LValue]int    // tostring ids of tables, functions, ...
	coros    map[*glua.LState]bool  // live coroutines
	overflow bool                   // the call stack was full

	errPos   string   // where the uncaught error was raised
	errStack []string // the script stack at that point
}

// Run runs p once in a fresh state.
func (b *Backend) Run(ctx context.Context, p engine.Program, env *engine.Env) (val any, err error) {
	prog, ok := p.(*program)
	if !ok {
		return nil, &engine.Error{Kind: engine.KindInternal, Message: "program of another backend"}
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	depth := int(env.Budget.StackDepth)
	if depth <= 0 {
		depth = int(limits.Default().StackDepth)
	}
	r := &run{ctx: ctx, env: env, w: env.Meter, prog: prog, c: newCounter(env.Meter),
		rng: newRand(env.Seed), hostErrs: map[glua.LString]error{},
		ids: map[glua.LValue]int{}, coros: map[*glua.LState]bool{}}
	defer func() {
		if rec := recover(); rec != nil {
			val, err = nil, r.panicError(rec)
		}
	}()
	r.v = b.pool.get(depth)
	r.v.r = r
	L := r.v.L
	defer L.Close()
	if err := r.setup(); err != nil {
		return nil, err
	}
	defer r.w.SampleCPU()
	r.w.Begin()
	stopInterrupt := context.AfterFunc(ctx, r.c.stop)
	defer stopInterrupt()
	L.SetContext(r.c)
	L.Push(L.NewFunctionFromProto(prog.proto))
	perr := L.PCall(0, 1, L.NewFunction(r.topHandler))
	r.finishSteps()
	if perr != nil {
		return nil, r.translate(perr)
	}
	res := L.Get(-1)
	L.Pop(1)
	if err := r.w.CheckCPU(); err != nil {
		return nil, engine.FromCause(err)
	}
	if cause := r.w.Cause(); cause != nil {
		return nil, engine.FromCause(cause)
	}
	return r.exportResult(res)
}

// finishSteps reports the exact number of instructions run.
func (r *run) finishSteps() {
	if r.c.used <= r.env.Budget.Steps || r.w.Cause() == nil {
		r.w.SetSteps(min(r.c.used, r.env.Budget.Steps))
	}
}

// setup installs the run's globals: input and host.
func (r *run) setup() error {
	L := r.v.L
	g := L.G.Global
	g.RawSetString("input", toLua(L, r.env.Input))
	host := L.NewTable()
	for _, m := range r.env.Modules {
		mt := L.NewTable()
		for _, f := range m.Funcs {
			mt.RawSetString(f.Name, L.NewFunction(r.v.hostFunc(m.Name+"."+f.Name, f.Params)))
		}
		host.RawSetString(m.Name, mt)
	}
	g.RawSetString("host", host)
	return nil
}

// halt stops the run at once: the VM raises now and at every following
// instruction, so no handler can continue. The watchdog holds the cause.
func (r *run) halt(L *glua.LState) {
	r.c.stop()
	L.RaiseError("%s", errStopped.Error())
}

// checkStop is called on entry to every Go function a script can call.
func (r *run) checkStop(L *glua.LState) {
	if r.c.stopped() {
		L.RaiseError("%s", errStopped.Error())
	}
}

// hostFunc is the script side of one host function.
func (v *vm) hostFunc(capability string, params []bridge.Param) glua.LGFunction {
	return func(L *glua.LState) int {
		r := v.r
		r.checkStop(L)
		n := L.GetTop()
		args := make([]any, n)
		c := bridge.NewCounter(r.env.Args)
		for i := 1; i <= n; i++ {
			hint := bridge.Any
			if i-1 < len(params) {
				hint = params[i-1].Type
			}
			x, err := fromLua(c, L.Get(i), hint)
			if err != nil {
				ae := bridge.NewArgError(capability, params, i-1, err)
				r.raiseHost(L, ae.Error(), ae)
			}
			args[i-1] = x
		}
		res, err := r.env.Call(r.ctx, capability, args)
		if err != nil {
			r.hostFail(L, err)
		}
		L.Push(toLua(L, res))
		return 1
	}
}

// hostFail turns a dispatcher error into what the script sees: a catchable
// error when engine.Catchable says so, an immediate stop for everything
// else.
func (r *run) hostFail(L *glua.LState, err error) {
	if r.w.Cause() != nil {
		r.halt(L)
	}
	if engine.Catchable(err) {
		r.raiseHost(L, err.Error(), err)
	}
	r.w.Trip(err)
	r.halt(L)
}

// raiseHost raises msg (with the script position) as a Lua error and
// remembers its cause, so that uncaught it has the cause's kind.
func (r *run) raiseHost(L *glua.LState, msg string, cause error) {
	if pos := r.where(L); pos != "" {
		msg = pos + ": " + msg
	}
	lv := glua.LString(msg)
	r.hostErrs[lv] = cause
	L.Error(lv, 0)
}

// where returns "name:line" of the innermost script frame.
func (r *run) where(L *glua.LState) string {
	for i := 0; i < 8; i++ {
		dbg, ok := L.GetStack(i)
		if !ok {
			break
		}
		if _, err := L.GetInfo("Sl", dbg, glua.LNil); err != nil {
			continue
		}
		if dbg.Source == r.prog.name && dbg.CurrentLine > 0 {
			return r.prog.name + ":" + itoa(dbg.CurrentLine)
		}
	}
	return ""
}

// print writes its arguments, separated by tabs, to the run's log.
func (v *vm) print(L *glua.LState) int {
	r := v.r
	r.checkStop(L)
	var b strings.Builder
	left := r.env.Budget.Logs
	for i := 1; i <= L.GetTop(); i++ {
		if i > 1 {
			b.WriteByte('\t')
		}
		b.WriteString(v.str(L, L.Get(i)))
		if int64(b.Len()) > left {
			break
		}
	}
	if err := r.env.Log("info", b.String()); err != nil {
		r.w.Trip(err)
		r.halt(L)
	}
	return 0
}

// pcall is base pcall with a handler that does not build a traceback, and
// that cannot catch the end of the run.
func (v *vm) pcall(L *glua.LState) int {
	r := v.r
	r.checkStop(L)
	L.CheckAny(1)
	fn := L.Get(1)
	if fn.Type() != glua.LTFunction && L.GetMetaField(fn, "__call").Type() != glua.LTFunction {
		L.Push(glua.LFalse)
		L.Push(glua.LString("attempt to call a " + fn.Type().String() + " value"))
		return 2
	}
	if err := L.PCall(L.GetTop()-1, glua.MultRet, v.cheap); err != nil {
		return r.caught(L, err)
	}
	L.Insert(glua.LTrue, 1)
	return L.GetTop()
}

// xpcall runs its handler under a protected call of its own, so a handler
// that fails (or loops until the budget is gone) ends as it should.
func (v *vm) xpcall(L *glua.LState) int {
	r := v.r
	r.checkStop(L)
	fn := L.CheckFunction(1)
	handler := L.CheckFunction(2)
	top := L.GetTop()
	h := L.NewFunction(func(L *glua.LState) int {
		e := L.Get(1)
		L.Push(handler)
		L.Push(e)
		if err := L.PCall(1, 1, v.cheap); err != nil {
			if r.c.stopped() || isOverflow(err) {
				r.caught(L, err)
			}
			L.Push(glua.LString("error in error handling"))
		}
		return 1
	})
	L.Push(fn)
	if err := L.PCall(0, glua.MultRet, h); err != nil {
		return r.caught(L, err)
	}
	L.Insert(glua.LTrue, top+1)
	return L.GetTop() - top
}

// isOverflow reports whether a protected call failed before its handler
// could run: the handler is a call too, and it cannot be pushed only when
// the call stack is full.
func isOverflow(err error) bool {
	var ae *glua.ApiError
	return errors.As(err, &ae) && ae.Type != glua.ApiErrorError
}

// caught decides what a protected call that failed returns: false and the
// error value, unless the run is stopped or the stack overflowed, which
// end the run.
func (r *run) caught(L *glua.LState, err error) int {
	if isOverflow(err) && !r.c.stopped() {
		r.overflow = true
		r.w.Trip(limits.Exceeded(r.env.Budget, limits.StackDepth))
	}
	if r.c.stopped() {
		L.RaiseError("%s", errStopped.Error())
	}
	L.Push(glua.LFalse)
	var ae *glua.ApiError
	if errors.As(err, &ae) {
		L.Push(ae.Object)
	} else {
		L.Push(glua.LString("error"))
	}
	return 2
}

// topHandler runs where an uncaught error was raised, before the stack
// unwinds: it records the position and at most maxFrames script frames
// (never the whole stack, so a deep error stays cheap).
func (r *run) topHandler(L *glua.LState) int {
	r.errPos, r.errStack = r.scriptStack(L)
	return 1
}

// maxFrames bounds the script stack kept in an error.
const maxFrames = 20

func (r *run) scriptStack(L *glua.LState) (pos string, stack []string) {
	for i := 0; len(stack) < maxFrames; i++ {
		dbg, ok := L.GetStack(i)
		if !ok {
			break
		}
		if _, err := L.GetInfo("Sln", dbg, glua.LNil); err != nil {
			continue
		}
		if dbg.Source != r.prog.name || dbg.CurrentLine <= 0 {
			continue
		}
		p := r.prog.name + ":" + itoa(dbg.CurrentLine)
		if pos == "" {
			pos = p
		}
		name := dbg.Name
		if name == "" {
			name = "<anonymous>"
			if dbg.What == "main" {
				name = "<main>"
			}
		}
		stack = append(stack, name+" ("+p+")")
	}
	return pos, stack
}

// exportResult copies the script's result, bounded by the output budget.
func (r *run) exportResult(res glua.LValue) (any, error) {
	out, err := fromLua(bridge.NewCounter(bridge.ValueLimits{MaxBytes: r.env.Budget.Output}), res, bridge.Any)
	if err != nil {
		return nil, engine.ResultError(r.w, r.prog.name, err)
	}
	return out, nil
}
