package worker

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"time"

	"github.com/scriptrun/scriptrun/bridge"
	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/engine/internal/wire"
	"github.com/scriptrun/scriptrun/limits"
)

// Main makes this process a worker when the host started it as one: it
// contains the process, serves runs with backends until the host closes
// the pipes, and exits; it never returns then. In any other process it
// returns at once. Call it first thing in main, before anything opens files
// or starts goroutines:
//
//	func main() {
//		worker.Main(js.New(), lua.New())
//		...
//	}
func Main(backends ...engine.Backend) {
	if os.Getenv(engine.WorkerEnv) == "" {
		return
	}
	os.Exit(serve(backends))
}

// The protocol's file descriptors (exec.Cmd.ExtraFiles in the host): runs
// and replies in, frames out, stops in.
const (
	fdIn   = 3
	fdOut  = 4
	fdStop = 5
)

// skipSeccomp leaves seccomp out, so that tests can see the layers under
// it (set only by this package's tests).
var skipSeccomp bool

// worker is the state of the worker process.
type worker struct {
	backends map[string]engine.Backend
	in       *wire.Reader
	wmu      sync.Mutex
	out      *wire.Writer

	mu      sync.Mutex
	current *limits.Watchdog // the run going on, for Stop frames
	runID   uint64           // its number (Start.Run)

	cache map[string]engine.Program
}

func serve(backends []engine.Backend) int {
	layers, missing := contain()
	wk := &worker{backends: map[string]engine.Backend{}, cache: map[string]engine.Program{}}
	for _, b := range backends {
		wk.backends[b.Lang()] = b
	}
	in := os.NewFile(fdIn, "scriptrun-in")
	out := os.NewFile(fdOut, "scriptrun-out")
	stop := os.NewFile(fdStop, "scriptrun-stop")
	if in == nil || out == nil || stop == nil {
		fmt.Fprintln(os.Stderr, "scriptrun worker: no protocol pipes (fds 3 to 5); a worker is started by a scriptrun host")
		return 2
	}
	wk.in = wire.NewReader(in, 0)
	wk.out = wire.NewWriter(out, 0)
	// The last layer closes system calls the set-up above needed.
	l, m := []string(nil), []string{"seccomp: left out for a test"}
	if !skipSeccomp {
		l, m = lockdown()
	}
	layers, missing = dedupe(append(layers, l...)), append(missing, m...)
	if err := wk.send(&wire.Hello{PID: int64(os.Getpid()), Layers: layers, Missing: missing}); err != nil {
		return 1
	}
	go wk.stops(wire.NewReader(stop, 0))
	for {
		st, ok := wk.next().(*wire.Start)
		if !ok {
			fmt.Fprintln(os.Stderr, "scriptrun worker: expected a start frame")
			return 2
		}
		if err := wk.send(wk.run(st)); err != nil {
			return 1
		}
	}
}

// next reads the host's next frame on the runs pipe: a Start between runs,
// a Reply during a host call. The pipe is read with blocking reads on the
// thread that waits, so a reply wakes it directly. When the host goes away
// the worker exits; a broken frame ends it.
func (wk *worker) next() wire.Message {
	typ, payload, err := wk.in.Next()
	if err != nil {
		os.Exit(0)
	}
	m, err := wire.Decode(typ, payload)
	if err != nil {
		fmt.Fprintln(os.Stderr, "scriptrun worker:", err)
		os.Exit(2)
	}
	return m
}

// stops reads stop frames and trips the run going on.
func (wk *worker) stops(r *wire.Reader) {
	for {
		typ, payload, err := r.Next()
		if err != nil {
			os.Exit(0)
		}
		m, err := wire.Decode(typ, payload)
		stop, ok := m.(*wire.Stop)
		if err != nil || !ok {
			fmt.Fprintln(os.Stderr, "scriptrun worker: bad frame on the stop pipe:", err)
			os.Exit(2)
		}
		wk.mu.Lock()
		if w := wk.current; w != nil && wk.runID == stop.Run {
			w.Trip(stopCause(stop))
		}
		wk.mu.Unlock()
	}
}

func (wk *worker) send(m wire.Message) error {
	wk.wmu.Lock()
	defer wk.wmu.Unlock()
	return wk.out.Write(m)
}

// reply waits for the host's answer to a Call or Clock.
func (wk *worker) reply() *wire.Reply {
	r, ok := wk.next().(*wire.Reply)
	if !ok {
		fmt.Fprintln(os.Stderr, "scriptrun worker: expected a reply frame")
		os.Exit(2)
	}
	return r
}

func stopCause(s *wire.Stop) error {
	if s.Kind == "limit" {
		return &limits.ExceededError{Limit: s.Limit, Value: s.Value}
	}
	err := context.Canceled
	if s.Deadline {
		err = context.DeadlineExceeded
	}
	return &limits.CanceledError{Err: err, Deadline: s.Deadline}
}

// callError rebuilds the error of a host call as the same Go type the
// in-process host gives the backend.
func callError(e *wire.CallError) error {
	switch e.Kind {
	case "arg":
		return &bridge.ArgError{Capability: e.Capability, Param: e.Param, Msg: e.Message}
	case "host":
		return &bridge.HostError{Capability: e.Capability, Msg: e.Message}
	case "denied":
		return &bridge.DeniedError{Capability: e.Capability, Rule: e.Rule, Msg: e.Message, Catchable: e.Catchable}
	case "limit":
		return &limits.ExceededError{Limit: e.Limit, Value: e.Value}
	case "canceled":
		err := context.Canceled
		if e.Deadline {
			err = context.DeadlineExceeded
		}
		return &limits.CanceledError{Err: err, Deadline: e.Deadline}
	}
	return errors.New(e.Message)
}

func heapBytes() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

// heapInterval is how often a run's heap is sampled.
const heapInterval = 2 * time.Millisecond

// guardHeap stops the run with its memory limit when the worker's heap goes
// over ceiling. Unlike the host's HeapGuard, which stops every run of a
// shared process, the heap here is this run's alone, so going over is the
// run's own memory budget. It samples on a timer that re-arms itself, not
// on a goroutine of its own: a run shorter than heapInterval then costs no
// goroutine start and no hand-off to stop it.
//
// The heap sample that went over is stored in *tripped, so the run's usage
// can show what it used (the interpreter's meter may have seen less).
func guardHeap(w *limits.Watchdog, ceiling uint64, tripped *atomic.Uint64) (stop func()) {
	var (
		mu      sync.Mutex
		stopped bool
		t       *time.Timer
	)
	mu.Lock()
	defer mu.Unlock()
	t = time.AfterFunc(heapInterval, func() {
		if h := heapBytes(); h > ceiling {
			tripped.Store(h)
			_ = w.Exceed(limits.Memory)
			return
		}
		mu.Lock()
		if !stopped {
			t.Reset(heapInterval)
		}
		mu.Unlock()
	})
	// A sample already under way when stop returns may still trip the
	// watchdog; the run has ended then, and its result is made.
	return func() {
		mu.Lock()
		stopped = true
		t.Stop()
		mu.Unlock()
	}
}

// run runs one script and returns its Result frame.
func (wk *worker) run(st *wire.Start) (res *wire.Result) {
	budget := st.Budget
	w := limits.NewWatchdog(context.Background(), budget)
	defer w.Stop()
	// The Go heap is this run's alone: a heap over what it held before the
	// run plus the memory budget stops the run with the memory limit, and
	// the GC works harder as it nears that (the OS cap is above both).
	base := heapBytes()
	ceiling := base + uint64(budget.Memory)
	debug.SetMemoryLimit(int64(ceiling + ceiling/8))
	var tripped atomic.Uint64
	stopGuard := guardHeap(w, ceiling, &tripped)
	wk.mu.Lock()
	wk.current, wk.runID = w, st.Run
	wk.mu.Unlock()
	defer func() {
		wk.mu.Lock()
		wk.current = nil
		wk.mu.Unlock()
		stopGuard()
		u := w.Usage()
		res.Steps, res.Memory, res.CPU = u.Steps, u.MemoryBytes, time.Duration(u.CPUMs)*time.Millisecond
		if h := tripped.Load(); h > base {
			res.Memory = max(res.Memory, int64(h-base))
		}
		res.Heap = heapBytes()
	}()

	b := wk.backends[st.Lang]
	if b == nil {
		return &wire.Result{Err: &wire.ResultError{Kind: string(engine.KindInternal),
			Message: fmt.Sprintf("this worker has no backend for language %q", st.Lang)}}
	}
	prog, err := wk.compile(b, st)
	if err != nil {
		return &wire.Result{Err: resultError(err)}
	}
	env := &engine.Env{
		Input:   st.Input,
		Script:  engine.ScriptInfo{Name: st.Name, Lang: st.Lang, SHA256: st.SHA, Tenant: st.Tenant, Labels: st.Labels},
		Modules: specs(st.Modules),
		Meter:   w,
		Budget:  budget,
		Seed:    st.Seed,
		Now:     time.Now,
		Args:    bridge.ValueLimits{MaxBytes: budget.Output},
		Result:  bridge.ValueLimits{MaxBytes: budget.Input},
		Call: func(ctx context.Context, capability string, args []any) (any, error) {
			if err := wk.send(&wire.Call{Capability: capability, Args: args, Steps: w.Steps()}); err != nil {
				os.Exit(1)
			}
			r := wk.reply()
			if r.Err != nil {
				if cause := w.Cause(); cause != nil {
					return nil, cause
				}
				return nil, callError(r.Err)
			}
			return r.Value, nil
		},
		Log: func(level, msg string) error {
			// Counted here with the host's arithmetic, so the script stops
			// at the log budget exactly where it would in process.
			if err := w.AddLog(int64(len(msg)) + 1); err != nil {
				return err
			}
			if err := wk.send(&wire.Log{Level: level, Message: msg}); err != nil {
				os.Exit(1)
			}
			return nil
		},
	}
	if st.Clock {
		env.Now = func() time.Time {
			if err := wk.send(&wire.Clock{}); err != nil {
				os.Exit(1)
			}
			r := wk.reply()
			ns, ok := r.Value.(int64)
			if !ok {
				fmt.Fprintln(os.Stderr, "scriptrun worker: bad clock reply")
				os.Exit(2)
			}
			return time.Unix(0, ns)
		}
	}
	v, err := runGuarded(w.Context(), b, prog, env)
	if err != nil {
		return &wire.Result{Err: resultError(err)}
	}
	return &wire.Result{Value: v}
}

// compile compiles st's source, or takes it from the cache of recent
// scripts. The host compiled the same source already, with its limits.
func (wk *worker) compile(b engine.Backend, st *wire.Start) (engine.Program, error) {
	key := st.Lang + ":" + st.SHA
	if p, ok := wk.cache[key]; ok {
		return p, nil
	}
	p, err := compileGuarded(b, engine.Source{Name: st.Name, Lang: st.Lang, Code: st.Source},
		engine.CompileLimits{MaxSource: max(st.Budget.Source, int64(len(st.Source))), MaxNesting: 1 << 12})
	if err != nil {
		return nil, err
	}
	if len(wk.cache) >= 64 {
		for k := range wk.cache {
			delete(wk.cache, k)
			break
		}
	}
	wk.cache[key] = p
	return p, nil
}

func compileGuarded(b engine.Backend, src engine.Source, lim engine.CompileLimits) (p engine.Program, err error) {
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, &engine.Error{Kind: engine.KindInternal, Message: "compiler failed", Err: fmt.Errorf("panic: %v", r)}
		}
	}()
	return b.Compile(src, lim)
}

func runGuarded(ctx context.Context, b engine.Backend, p engine.Program, env *engine.Env) (v any, err error) {
	defer func() {
		if r := recover(); r != nil {
			v, err = nil, &engine.Error{Kind: engine.KindInternal, Message: "internal error", Err: fmt.Errorf("panic: %v\n%s", r, debug.Stack())}
		}
	}()
	return b.Run(ctx, p, env)
}

// resultError turns a backend's error into its wire form.
func resultError(err error) *wire.ResultError {
	var e *engine.Error
	if !errors.As(err, &e) {
		e = engine.FromCause(err)
	}
	r := &wire.ResultError{Kind: string(e.Kind), Limit: e.Limit, Capability: e.Capability, Rule: e.Rule,
		Message: e.Message, Pos: e.Pos, Stack: e.Stack}
	if e.Kind == engine.KindInternal && e.Err != nil {
		// The host logs the cause of an internal error; keep its first line.
		r.Cause = firstLine(e.Err.Error())
	}
	return r
}

func firstLine(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			return s[:i]
		}
	}
	return s
}

func specs(mods []wire.Module) []bridge.ModuleSpec {
	out := make([]bridge.ModuleSpec, len(mods))
	for i, m := range mods {
		out[i] = bridge.ModuleSpec{Name: m.Name, Funcs: make([]bridge.FuncSpec, len(m.Funcs))}
		for j, f := range m.Funcs {
			fs := bridge.FuncSpec{Name: f.Name}
			for _, p := range f.Params {
				fs.Params = append(fs.Params, bridge.Param{Name: p.Name, Type: bridge.Type(p.Type), Optional: p.Optional})
			}
			out[i].Funcs[j] = fs
		}
	}
	return out
}

func dedupe(s []string) []string {
	var out []string
	for _, x := range s {
		if !slicesContains(out, x) {
			out = append(out, x)
		}
	}
	return out
}
