package lua

import (
	"context"
	"errors"
	"math/rand/v2"
	"runtime"
	"strings"
	"unicode/utf8"

	glua "github.com/scriptrun/scriptrun/third_party/gopher-lua"

	"github.com/scriptrun/scriptrun/bridge"
	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/limits"
	"github.com/scriptrun/scriptrun/loc"
)

// batch is the most steps the VM runs between two calls to the meter. The
// count stays exact: a grant never exceeds the steps left.
const batch = 1000

// maxCoroutines bounds the live coroutines of a run.
const maxCoroutines = 64

// errStopped halts the VM when the run is stopped from outside (the run's
// ctx is done). Its text is never used to classify: the meter's cause is.
var errStopped = errors.New("run stopped")

// run is the state of one run: one goroutine, one fresh vm.
type run struct {
	ctx  context.Context // the run's ctx: done when the run stops
	env  *engine.Env
	w    engine.Meter
	prog *program
	v    *vm
	rng  *rand.Rand

	hostErrs map[glua.LString]error // error values raised for host errors -> cause
	ids      map[glua.LValue]int    // tostring ids of tables, functions, ...
	coros    map[*glua.LState]bool  // live coroutines
	overflow bool                   // the call stack was full

	memPending int64       // memory charged by the VM, not yet reported
	errPos     loc.Pos     // where the uncaught error was raised
	errStack   []loc.Frame // the script stack at that point
	coErr      coError     // the last coroutine that failed (lib.go)
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
	r := &run{ctx: ctx, env: env, w: env.Meter, prog: prog,
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
	L.SetStepMeter(func(n int64) (int64, error) {
		left, err := r.w.AddSteps(n)
		return min(left, batch), err
	})
	L.SetMemoryMeter(r.chargeMemory)
	L.OnStackOverflow(func() error {
		r.overflow = true
		return r.w.Exceed(limits.StackDepth)
	})
	L.OnHalt(func(L *glua.LState) { r.errPos, r.errStack = r.scriptStack(L) })
	L.OnThreadError(r.coFailed)
	stopInterrupt := context.AfterFunc(ctx, func() { L.Interrupt(errStopped) })
	defer stopInterrupt()
	if env.Coverage != nil {
		defer r.cover(env.Coverage)()
	}
	L.Push(L.NewFunctionFromProto(prog.proto))
	perr := L.PCall(0, 1, L.NewFunction(r.topHandler))
	r.finishSteps()
	r.flushMemory()
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

// memoryBatch is how many bytes of small charges the run collects before
// it reports them to the meter (an atomic add each): the memory budget is
// overshot by at most this much, and a charge this large or larger is
// reported at once.
const memoryBatch = 32 << 10

// chargeMemory is the VM's memory meter.
func (r *run) chargeMemory(n int64) error {
	r.memPending += n
	if r.memPending < memoryBatch {
		return nil
	}
	n, r.memPending = r.memPending, 0
	return r.w.AddMemory(n)
}

// flushMemory reports what is left, so the run's usage is exact (and a
// run that ends less than a batch over its budget ends with the limit).
func (r *run) flushMemory() {
	if r.memPending > 0 && r.w.Cause() == nil {
		_ = r.w.AddMemory(r.memPending) // a trip is the meter's cause
	}
	r.memPending = 0
}

// finishSteps reports the exact number of instructions run.
func (r *run) finishSteps() {
	used := r.v.L.Steps()
	if used <= r.env.Budget.Steps || r.w.Cause() == nil {
		r.w.SetSteps(min(used, r.env.Budget.Steps))
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
// instruction, so no handler can continue. The meter holds the cause.
func (r *run) halt(L *glua.LState) {
	L.Halt(errStopped)
}

// hostFunc is the script side of one host function.
func (v *vm) hostFunc(capability string, params []bridge.Param) glua.LGFunction {
	return func(L *glua.LState) int {
		r := v.r
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
	if pos := r.where(L); !pos.IsZero() {
		msg = pos.String() + ": " + msg
	}
	lv := glua.LString(msg)
	r.hostErrs[lv] = cause
	L.Error(lv, 0)
}

// where returns the position (name and line) of the innermost script
// frame, or the zero Pos.
func (r *run) where(L *glua.LState) loc.Pos {
	for i := 0; i < 8; i++ {
		dbg, ok := L.GetStack(i)
		if !ok {
			break
		}
		if _, err := L.GetInfo("Sl", dbg, glua.LNil); err != nil {
			continue
		}
		if dbg.Source == r.prog.name && dbg.CurrentLine > 0 {
			return loc.Pos{File: r.prog.name, Line: dbg.CurrentLine}
		}
	}
	return loc.Pos{}
}

// print writes its arguments, separated by tabs, to the run's log.
func (v *vm) print(L *glua.LState) int {
	r := v.r
	var b strings.Builder
	left := r.env.Budget.Logs
	for i := 1; i <= L.GetTop(); i++ {
		if i > 1 {
			b.WriteByte('\t')
		}
		s := v.str(L, L.Get(i))
		if !utf8.ValidString(s) {
			L.RaiseError("print: argument %d is not valid UTF-8 (byte %d); a log line is text: encode binary data first (std.base64.encode, std.hex.encode)", i, invalidAt(s)+1)
		}
		b.WriteString(s)
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

// topHandler runs where an uncaught error was raised, before the stack
// unwinds: it records the position and at most maxFrames script frames
// (never the whole stack, so a deep error stays cheap).
func (r *run) topHandler(L *glua.LState) int {
	r.errPos, r.errStack = r.scriptStack(L)
	return 1
}

// maxFrames bounds the script stack kept in an error.
const maxFrames = 20

func (r *run) scriptStack(L *glua.LState) (pos loc.Pos, stack []loc.Frame) {
	for i := 0; len(stack) < maxFrames; i++ {
		dbg, ok := L.GetStack(i)
		if !ok {
			break
		}
		if _, err := L.GetInfo("Sln", dbg, glua.LNil); err != nil {
			continue
		}
		if dbg.What == "tail" && dbg.Source == "=(tail call)" {
			// Calls that tail calls replaced, as Lua's traceback shows them.
			if len(stack) > 0 && !stack[len(stack)-1].Tail {
				stack = append(stack, loc.Frame{Tail: true})
			}
			i = pastTailCalls(L, i) - 1
			continue
		}
		if dbg.Source != r.prog.name || dbg.CurrentLine <= 0 {
			continue
		}
		p := loc.Pos{File: r.prog.name, Line: dbg.CurrentLine}
		if pos.IsZero() {
			pos = p
		}
		name := dbg.Name
		if name == "corountine" { // gopher-lua's name for a coroutine's body
			name = "coroutine"
		}
		if name == "" {
			name = "<anonymous>"
			if dbg.What == "main" {
				name = "<main>"
			}
		}
		stack = append(stack, loc.Frame{Func: name, Pos: p})
	}
	return pos, stack
}

// pastTailCalls returns the first level after the run of replaced calls
// that level i is in. Each tail call is a level of its own (as in Lua 5.1),
// and an endless chain of them leaves millions, so the run's end is found
// by galloping and bisection: O(log n) GetStack calls, not n.
func pastTailCalls(L *glua.LState, i int) int {
	lo, step := i, 1 // lo is a replaced call
	for lostCall(L, lo+step) {
		lo += step
		step *= 2
	}
	hi := lo + step // hi is not
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if lostCall(L, mid) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi
}

// lostCall says whether level i is a call that a tail call replaced: the
// patched GetStack marks those What "tail" and gives them no frame.
func lostCall(L *glua.LState, i int) bool {
	dbg, ok := L.GetStack(i)
	return ok && dbg.What == "tail"
}

// exportResult copies the script's result, bounded by the output budget.
func (r *run) exportResult(res glua.LValue) (any, error) {
	out, err := fromLua(bridge.NewCounter(bridge.ValueLimits{MaxBytes: r.env.Budget.Output}), res, bridge.Any)
	if err != nil {
		return nil, engine.ResultError(r.w, loc.Pos{File: r.prog.name}, err)
	}
	return out, nil
}

// cover makes the VM record the lines the script runs (the patched
// gopher-lua's line hook, third_party/patches/gopher-lua 0018, which runs
// a loop of its own, so runs without coverage pay nothing) and returns the
// function that adds them to c: deferred, so a run that fails keeps the
// lines it ran. The return the compiler adds at the end of every function
// (on the line of its "end", or after the main chunk's last statement) is
// not counted: as in JS, a line that only closes a block never shows as
// run.
func (r *run) cover(c *engine.Coverage) func() {
	var seen []bool
	r.v.L.SetLineHook(func(p *glua.FunctionProto, pc, line int) {
		if line <= 0 || p.SourceName != r.prog.name || pc == len(p.Code)-1 {
			return
		}
		if line >= len(seen) {
			seen = append(seen, make([]bool, line+1-len(seen))...)
		}
		seen[line] = true
	})
	return func() {
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
