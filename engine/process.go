package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/scriptrun/scriptrun/bridge"
	"github.com/scriptrun/scriptrun/engine/internal/wire"
	"github.com/scriptrun/scriptrun/limits"
)

// Isolation says where a host runs its scripts' VMs.
type Isolation int

const (
	// InProcess runs every VM in the host's own process (the default): the
	// fastest, but a Go fatal error (out of memory, stack overflow, an
	// interpreter bug) takes the whole process down.
	InProcess Isolation = iota
	// Process runs each VM in a contained worker process (see WorkerConfig):
	// a crash or a memory bomb costs one run and one worker.
	Process
)

func (i Isolation) String() string {
	switch i {
	case InProcess:
		return "inproc"
	case Process:
		return "process"
	}
	return fmt.Sprintf("Isolation(%d)", int(i))
}

// WorkerEnv is the environment variable that starts a process in the worker
// role; engine/worker.Main looks for it. Its value is the protocol version.
const WorkerEnv = "SCRIPTRUN_WORKER"

// workerProtocol is WorkerEnv's value: a worker from another build refuses.
const workerProtocol = "1"

// WorkerConfig configures the worker processes of Config{Isolation:
// Process}. The zero value is the safe default.
type WorkerConfig struct {
	// Command is the worker's argv. nil: this executable (os.Executable),
	// which must call worker.Main first thing in main.
	Command []string
	// Size is the number of workers kept started ahead of demand; more are
	// started when more runs go on at once. 0: GOMAXPROCS.
	Size int
	// Max bounds the workers running at once; runs beyond it wait for a
	// free worker (0: 4×Size, at least 8). Each worker is a process of a
	// few tens of MiB.
	Max int
	// MaxRuns recycles a worker after that many runs (0: 1000). A worker is
	// also recycled after any limit error, internal error or when its heap
	// after a run is over MaxHeap.
	MaxRuns int
	// MaxHeap is the worker heap (bytes) after a run above which the worker
	// is recycled (0: 64 MiB).
	MaxHeap uint64
	// Grace is how long a worker has to answer a stop before it is killed
	// (0: 100ms).
	Grace time.Duration
	// MemoryCap chooses the OS memory cap of each worker: "" or "auto" (a
	// cgroup v2 group per worker where the host's cgroup, or the group
	// systemd delegated to it, has the memory controller for its children;
	// else a cgroup v1 memory group where that hierarchy is writable; else
	// RLIMIT_AS with the worker's RSS polled during runs), "rlimit" (always
	// the last) or "none". Layers.Memory says which was chosen and why.
	MemoryCap string
	// Require lists containment layers the host must have ("memory",
	// "seccomp", "landlock", "nonewprivs", "netns", "rlimits"): NewHost
	// fails when a worker on this machine lacks one. See Layers.
	Require []string
}

// Layer names, as WorkerConfig.Require, audit events and `scriptrun
// version` spell them.
const (
	LayerMemory     = "memory"     // an OS memory cap per worker (cgroup v2, v1, or RLIMIT_AS)
	LayerSeccomp    = "seccomp"    // a seccomp-bpf allow-list: no exec, sockets or file opens
	LayerLandlock   = "landlock"   // Landlock: no file system access
	LayerNoNewPrivs = "nonewprivs" // no_new_privs: no privilege gain through exec
	LayerNetNS      = "netns"      // an empty network namespace
	LayerRlimits    = "rlimits"    // RLIMIT_NOFILE small, RLIMIT_CORE 0
)

// Layers is what containment a worker on this machine has: the layers in
// force, and for each missing one the reason.
type Layers struct {
	InForce []string
	Missing map[string]string
	// Memory names the OS memory cap chosen (cgroup v2, cgroup v1, or
	// RLIMIT_AS with RSS polling) and why not a stronger one.
	Memory string
}

func (l Layers) has(name string) bool { return slices.Contains(l.InForce, name) }

// ProbeLayers starts one worker with cfg, reads which containment layers
// are in force and stops it.
func ProbeLayers(cfg WorkerConfig) (Layers, error) {
	p, err := newPool(cfg, zerolog.Nop(), 0)
	if err != nil {
		return Layers{}, err
	}
	defer p.close()
	return p.layers, nil
}

// process runs s in a worker: it sends the run, serves the worker's host
// calls, log lines and clock reads through env, stops the worker when the
// parent's watchdog trips and kills it when it does not stop in time. It
// returns what the worker measured (steps, memory, CPU) in usage.
func (h *Host) process(w *limits.Watchdog, s *Script, env *Env, realClock bool, usage *limits.Usage) (any, error) {
	ctx := w.Context()
	for attempt := 0; ; attempt++ {
		wk, err := h.pool.get(ctx)
		if err != nil {
			if cause := w.Cause(); cause != nil {
				return nil, FromCause(cause)
			}
			return nil, &Error{Kind: KindInternal, Message: "no worker process", Err: err}
		}
		v, rerr, keep := wk.run(w, s, env, realClock, usage, h.pool)
		switch {
		case keep:
			h.pool.succeeded()
		case wk.crashed:
			h.pool.failed()
		}
		h.pool.put(wk, keep)
		if wk.unused && attempt < 3 {
			// The worker died before it could take the run (killed while
			// idle): the script never ran, so another worker may run it.
			continue
		}
		return v, rerr
	}
}

// The pool.

type pool struct {
	cfg    WorkerConfig
	argv   []string
	log    zerolog.Logger
	layers Layers
	mem    memCap

	mu        sync.Mutex
	all       map[*worker]struct{} // started and not retired
	idle      []*worker
	starting  int
	live      int
	closed    bool
	failures  int       // consecutive start failures or early deaths
	notBefore time.Time // restart backoff
	wg        sync.WaitGroup
	kick      chan struct{}
	avail     chan struct{} // a worker went idle
	done      chan struct{}
}

// newPool starts the pool and one worker, to learn the layers and fail fast
// on a bad command. size is the number of workers to keep ready (0: none
// beyond the first; used by ProbeLayers).
func newPool(cfg WorkerConfig, log zerolog.Logger, size int) (*pool, error) {
	if cfg.MaxRuns <= 0 {
		cfg.MaxRuns = 1000
	}
	if cfg.MaxHeap == 0 {
		cfg.MaxHeap = 64 << 20
	}
	if cfg.Grace <= 0 {
		cfg.Grace = 100 * time.Millisecond
	}
	cfg.Size = size
	if cfg.Max <= 0 {
		cfg.Max = max(4*size, 8)
	}
	cfg.Max = max(cfg.Max, size, 1)
	p := &pool{cfg: cfg, log: log, all: map[*worker]struct{}{}, kick: make(chan struct{}, 1), avail: make(chan struct{}, 1), done: make(chan struct{})}
	p.argv = slices.Clone(cfg.Command)
	if len(p.argv) == 0 {
		exe, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("engine: worker command: %w", err)
		}
		p.argv = []string{exe}
	}
	p.mem = newMemCap(cfg.MemoryCap)
	first, err := p.start()
	if err != nil {
		p.mem.close()
		return nil, fmt.Errorf("engine: starting a worker process (%s): %w", p.argv[0], err)
	}
	p.layers = first.layers
	p.log.Info().Str("event", "worker.layers").Strs("layers", p.layers.InForce).
		Interface("missing", p.layers.Missing).Str("memoryCap", p.layers.Memory).Msg("worker.layers")
	var missing []string
	for _, r := range cfg.Require {
		if !p.layers.has(r) {
			why := p.layers.Missing[r]
			if why == "" {
				why = "unknown layer"
			}
			missing = append(missing, r+" ("+why+")")
		}
	}
	if len(missing) > 0 {
		first.kill()
		first.wait()
		p.mem.close()
		return nil, fmt.Errorf("engine: WorkerConfig.Require: this machine lacks %s", strings.Join(missing, ", "))
	}
	p.mu.Lock()
	p.idle = append(p.idle, first)
	p.live++
	p.mu.Unlock()
	p.wg.Add(1)
	go p.fill()
	return p, nil
}

// fill keeps cfg.Size workers started (idle or busy), replacing those that
// are retired ahead of demand, and backs off after failures.
func (p *pool) fill() {
	defer p.wg.Done()
	for {
		p.mu.Lock()
		need := !p.closed && p.live+p.starting < p.cfg.Size
		wait := time.Until(p.notBefore)
		if need && wait <= 0 {
			p.starting++
		}
		p.mu.Unlock()
		switch {
		case need && wait <= 0:
			wk, err := p.start()
			p.mu.Lock()
			p.starting--
			if err == nil {
				if p.closed {
					p.mu.Unlock()
					wk.kill()
					wk.wait()
					continue
				}
				p.idle = append(p.idle, wk)
				p.live++
				p.signal()
			}
			p.mu.Unlock()
			if err != nil {
				p.log.Warn().Str("event", "worker.failed").AnErr("error", err).Msg("worker.failed")
			}
			continue
		case need:
			select {
			case <-p.done:
				return
			case <-time.After(wait):
			}
		default:
			select {
			case <-p.done:
				return
			case <-p.kick:
			}
		}
	}
}

// signal tells a get waiting out a backoff that a worker is idle.
func (p *pool) signal() {
	select {
	case p.avail <- struct{}{}:
	default:
	}
}

func (p *pool) wake() {
	select {
	case p.kick <- struct{}{}:
	default:
	}
}

// failed records a failed start or a worker that died on its own (a crash,
// not a limit) and extends the backoff of new starts: none for two
// failures in a row, then 10ms doubling up to 1s, until a run succeeds.
// Idle workers are still handed out during a backoff.
func (p *pool) failed() {
	p.mu.Lock()
	p.failures++
	if p.failures >= 3 {
		d := 10 * time.Millisecond << min(p.failures-3, 7)
		p.notBefore = time.Now().Add(min(d, time.Second))
	}
	p.mu.Unlock()
}

// succeeded ends a backoff: a run went through.
func (p *pool) succeeded() {
	p.mu.Lock()
	p.failures = 0
	p.notBefore = time.Time{}
	p.mu.Unlock()
}

// get returns an idle live worker, or starts one.
func (p *pool) get(ctx context.Context) (*worker, error) {
	for {
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			return nil, errors.New("the host is closed")
		}
		var wk *worker
		if n := len(p.idle); n > 0 {
			wk = p.idle[n-1]
			p.idle = p.idle[:n-1]
		}
		wait := time.Until(p.notBefore)
		full := wk == nil && p.live+p.starting >= p.cfg.Max
		// Taking an idle worker leaves the number started as it was: fill
		// is woken only when it is short (waking it for nothing costs a
		// thread wake-up per run).
		short := p.live+p.starting < p.cfg.Size
		p.mu.Unlock()
		if short {
			p.wake()
		}
		if full {
			// As many workers as allowed: wait for one to be free.
			wait = max(wait, 10*time.Millisecond)
		}
		if wk != nil {
			if wk.exited() {
				p.retire(wk, "exited while idle")
				p.failed()
				continue
			}
			return wk, nil
		}
		if wait > 0 || full {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil, context.Cause(ctx)
			case <-p.avail:
			case <-t.C:
			}
			t.Stop()
			continue
		}
		p.mu.Lock()
		p.starting++
		p.mu.Unlock()
		wk, err := p.start()
		p.mu.Lock()
		p.starting--
		if err == nil {
			p.live++
		}
		p.mu.Unlock()
		if err != nil {
			if ctx.Err() != nil {
				return nil, err
			}
			continue
		}
		return wk, nil
	}
}

// put returns a worker after a run: to the idle list when keep is set and
// it may run more, else it is retired.
func (p *pool) put(wk *worker, keep bool) {
	wk.runs++
	switch {
	case !keep:
		p.retire(wk, "failed run")
		return
	case wk.runs >= p.cfg.MaxRuns:
		p.retire(wk, "max runs")
		return
	case wk.heap > p.cfg.MaxHeap:
		p.retire(wk, "heap growth")
		return
	}
	p.mu.Lock()
	if p.closed || len(p.idle) >= max(p.cfg.Size, 1) {
		p.mu.Unlock()
		p.retire(wk, "pool full")
		return
	}
	p.idle = append(p.idle, wk)
	p.signal()
	p.mu.Unlock()
}

// retire kills wk and reaps it in the background.
func (p *pool) retire(wk *worker, why string) {
	wk.kill()
	reap := func() {
		<-wk.done
		wk.logExit(p.log, why)
		wk.wait()
	}
	p.mu.Lock()
	p.live--
	delete(p.all, wk)
	p.signal() // room for another worker
	closed := p.closed
	if !closed {
		p.wg.Add(1)
	}
	p.mu.Unlock()
	if closed {
		// Close is waiting for the pool's goroutines: reap here.
		reap()
		return
	}
	go func() {
		defer p.wg.Done()
		reap()
	}()
	p.wake()
}

// forget drops a worker that failed to start.
func (p *pool) forget(wk *worker) {
	p.mu.Lock()
	delete(p.all, wk)
	p.mu.Unlock()
}

// track records a started worker, or refuses it when the pool is closed.
func (p *pool) track(wk *worker) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.all[wk] = struct{}{}
	p.wg.Add(1) // its waiter goroutine
	return true
}

// close stops every worker and waits for them and the pool's goroutines.
func (p *pool) close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	idle := p.idle
	p.idle = nil
	var busy []*worker
	for wk := range p.all {
		if !slices.Contains(idle, wk) {
			busy = append(busy, wk)
		}
	}
	p.mu.Unlock()
	close(p.done)
	for _, wk := range idle {
		p.retire(wk, "closed")
	}
	// Runs still going on fail: their workers are killed now, and their
	// runs reap them when they end.
	for _, wk := range busy {
		wk.kill()
	}
	p.wg.Wait()
	p.mem.close()
}

// start starts one worker and waits for its hello.
func (p *pool) start() (*worker, error) {
	wk, err := startWorker(p)
	if err != nil {
		p.failed()
		return nil, err
	}
	p.log.Debug().Str("event", "worker.started").Int("pid", wk.pid).Msg("worker.started")
	return wk, nil
}

// The worker process, seen from the parent.

type worker struct {
	pid     int
	cmd     *exec.Cmd
	toW     *os.File // parent -> worker: runs and replies
	fromW   *os.File // worker -> parent
	stopW   *os.File // parent -> worker: stops
	r       *wire.Reader
	wmu     sync.Mutex
	w       *wire.Writer
	smu     sync.Mutex
	sw      *wire.Writer  // stops
	done    chan struct{} // closed when the process has exited
	err     error         // cmd.Wait's error, after done
	stderr  *tailBuffer
	layers  Layers
	cg      *memGroup
	runs    int
	seq     uint64 // the last run's number (Start.Run)
	heap    uint64
	budget  int64         // the memory budget the cap is set for
	killed  atomic.Bool   // we killed it
	crashed bool          // it died on its own in a run, not by a limit
	cpu0    time.Duration // its CPU time when the current run started
	unused  bool          // it died before it could take the run
}

func (wk *worker) exited() bool {
	select {
	case <-wk.done:
		return true
	default:
		return false
	}
}

func (wk *worker) kill() {
	// Not under wmu: a send may be blocked on a worker that stopped
	// reading, and killing it is what unblocks that send.
	wk.killed.Store(true)
	if wk.cmd.Process != nil {
		// The worker leads its own process group: kill the group, in case
		// anything in it got past seccomp's no-fork rule.
		killGroup(wk.pid)
		_ = wk.cmd.Process.Kill()
	}
}

// wait waits for the process to exit and releases its resources.
func (wk *worker) wait() {
	<-wk.done
	wk.toW.Close()
	wk.fromW.Close()
	wk.stopW.Close()
	wk.cg.remove()
}

// exited logs the worker.exited event: why it ended, how many runs it did
// and the peak memory of its cgroup over the base its cap was set on.
func (wk *worker) logExit(log zerolog.Logger, why string) {
	peak, base := wk.cg.peak()
	status := "exited"
	if wk.err != nil {
		status = wk.err.Error()
	}
	log.Info().Str("event", "worker.exited").Int("pid", wk.pid).Str("reason", why).Str("status", status).
		Int("runs", wk.runs).Int64("peakBytes", peak).Int64("baseBytes", base).Msg("worker.exited")
}

// send writes one frame to the worker.
func (wk *worker) send(m wire.Message) error {
	wk.wmu.Lock()
	defer wk.wmu.Unlock()
	return wk.w.Write(m)
}

// errWorker is the cause of a run whose worker broke the protocol or died.
func (wk *worker) fail(what string, err error) *Error {
	msg := fmt.Sprintf("worker process %d %s", wk.pid, what)
	if err != nil {
		msg += ": " + err.Error()
	}
	return &Error{Kind: KindInternal, Message: "the worker process running the script failed", Err: errors.New(msg)}
}

// broken ends a worker we could not write to: it died (died says how:
// its memory cap, our kill after a stop, a crash) or stopped reading.
func (wk *worker) broken(w *limits.Watchdog) *Error {
	if !wk.exited() {
		wk.kill()
	}
	return wk.died(w)
}

// lostUsage fills usage for a run whose worker sent no result (it died,
// was killed, or broke the protocol): the steps it last reported with a
// host call, its CPU time since the run started (once it has exited), and
// its memory peak over the base its cap was set on.
func (wk *worker) lostUsage(w *limits.Watchdog, usage *limits.Usage) {
	usage.Steps = w.Steps()
	if wk.exited() && wk.cmd.ProcessState != nil {
		ps := wk.cmd.ProcessState
		if cpu := ps.UserTime() + ps.SystemTime() - wk.cpu0; cpu > 0 && wk.cpu0 > 0 {
			usage.CPUMs = cpu.Milliseconds()
		}
	}
	if peak, base := wk.cg.peak(); peak > base {
		usage.MemoryBytes = peak - base
	}
}

// died explains a worker that exited in the middle of a run: out of memory
// (its cgroup's OOM killer) is the memory limit, anything else is internal.
func (wk *worker) died(w *limits.Watchdog) *Error {
	select {
	case <-wk.done:
	case <-time.After(time.Second):
		wk.kill()
		<-wk.done
	}
	if wk.cg.oomKilled(wk.stderr.String()) {
		return FromCause(limits.Exceeded(w.Budget(), limits.Memory))
	}
	if cause := w.Cause(); cause != nil {
		if wk.killed.Load() {
			// We killed it because it did not stop in time.
			return FromCause(cause)
		}
	}
	wk.crashed = true
	status := "exited"
	if wk.err != nil {
		status = "exited: " + wk.err.Error()
	}
	if tail := wk.stderr.String(); tail != "" {
		first, _, _ := strings.Cut(strings.TrimSpace(tail), "\n")
		status += " (" + first + ")"
	}
	return &Error{Kind: KindInternal, Message: "the worker process running the script died",
		Err: fmt.Errorf("worker process %d %s", wk.pid, status)}
}

// run runs one script on wk. keep says whether wk may run another.
func (wk *worker) run(w *limits.Watchdog, s *Script, env *Env, realClock bool, usage *limits.Usage, p *pool) (v any, rerr error, keep bool) {
	budget := env.Budget
	if err := wk.cg.setBudget(wk, budget.Memory); err != nil {
		return nil, wk.fail("memory cap", err), false
	}
	defer wk.cg.watch(wk)()
	// Nothing the worker may send in this run is larger than the run's
	// output or log budget (results, host-call arguments, log lines), so a
	// larger frame is a broken worker, not something to buffer.
	wk.r.SetMax(int(min(budget.Output+budget.Logs+1<<20, wire.MaxFrame)))
	wk.seq++
	start := &wire.Start{Run: wk.seq, Name: s.name, Lang: s.lang, SHA: s.sha, Source: s.src, Input: env.Input,
		Modules: wireModules(env.Modules), Budget: budget, Seed: env.Seed, Clock: !realClock,
		Tenant: env.Script.Tenant, Labels: env.Script.Labels}

	// A trip of the parent's watchdog (wall time, host calls, logs, the
	// caller) becomes a stop frame; a worker that does not stop within the
	// grace is killed. Armed before the start is sent: a worker that does
	// not read its start (a full pipe blocks the write) is killed too.
	var (
		smu      sync.Mutex
		finished bool
		grace    *time.Timer
	)
	stopAF := context.AfterFunc(w.Context(), func() {
		smu.Lock()
		if finished {
			smu.Unlock()
			return
		}
		// The grace starts before the write: a worker that does not read
		// its stop pipe is killed all the same.
		grace = time.AfterFunc(p.cfg.Grace, wk.kill)
		smu.Unlock()
		stop := stopFrame(w.Cause())
		stop.Run = start.Run
		wk.smu.Lock()
		_ = wk.sw.Write(stop)
		wk.smu.Unlock()
	})
	defer func() {
		stopAF()
		smu.Lock()
		finished = true
		if grace != nil {
			grace.Stop()
		}
		smu.Unlock()
	}()
	if err := wk.send(start); err != nil {
		wk.unused = true
		return nil, wk.fail("did not take the run", err), false
	}
	// A worker that dies in the run sends no usage: what the parent can
	// measure stands in for it.
	wk.cpu0 = processCPU(wk.pid)
	reported := false
	defer func() {
		if !reported {
			wk.lostUsage(w, usage)
		}
	}()

	// The last host function failure served in this run: its cause stays
	// here (the worker sees only what the script may), and an uncaught one
	// ends the run.
	var lastHostErr *bridge.HostError
	for {
		typ, payload, err := wk.r.Next()
		if err != nil {
			var fe *wire.FrameError
			if errors.As(err, &fe) {
				wk.kill()
				return nil, wk.fail("sent a bad frame", err), false
			}
			return nil, wk.died(w), false
		}
		m, err := wire.Decode(typ, payload)
		if err != nil {
			wk.kill()
			return nil, wk.fail("sent a bad frame", err), false
		}
		switch m := m.(type) {
		case *wire.Call:
			if m.Steps >= 0 {
				w.SetSteps(m.Steps)
			}
			res, cerr := env.Call(w.Context(), m.Capability, m.Args)
			reply := &wire.Reply{Value: res}
			if cerr != nil {
				reply = &wire.Reply{Err: callError(cerr)}
				if he := (*bridge.HostError)(nil); errors.As(cerr, &he) {
					lastHostErr = he
				}
			}
			if err := wk.send(reply); err != nil {
				if reply.Err == nil {
					// The value cannot cross: the host function returned
					// something outside the model.
					err = wk.send(&wire.Reply{Err: &wire.CallError{Kind: "host", Capability: m.Capability,
						Message: "returned a value outside the value model"}})
				}
				if err != nil {
					return nil, wk.broken(w), false
				}
			}
		case *wire.Clock:
			if err := wk.send(&wire.Reply{Value: env.Now().UnixNano()}); err != nil {
				return nil, wk.broken(w), false
			}
		case *wire.Log:
			// The worker counts log bytes too and stops its script at the
			// budget; an error here trips our watchdog, which stops it.
			_ = env.Log(m.Level, m.Message)
		case *wire.Result:
			reported = true
			usage.Steps, usage.MemoryBytes, usage.CPUMs = m.Steps, m.Memory, m.CPU.Milliseconds()
			wk.heap = m.Heap
			if m.Err != nil {
				e := resultError(m.Err, w)
				if e.Kind == KindHost && e.Err == nil && lastHostErr != nil && lastHostErr.Capability == e.Capability {
					// The script let a host error end the run: its cause
					// is the parent's, as in process.
					e.Err = lastHostErr
				}
				return nil, e, e.Kind != KindLimit && e.Kind != KindInternal
			}
			// The worker is untrusted: its value is checked like any
			// value crossing into the host.
			val, _, cerr := bridge.Copy(m.Value, bridge.ValueLimits{MaxBytes: budget.Output})
			if cerr != nil {
				wk.kill()
				return nil, wk.fail("sent a result outside the output budget", cerr), false
			}
			return val, nil, true
		default:
			wk.kill()
			return nil, wk.fail("sent an unexpected "+typ.String()+" frame", nil), false
		}
	}
}

func wireModules(specs []bridge.ModuleSpec) []wire.Module {
	out := make([]wire.Module, len(specs))
	for i, m := range specs {
		out[i] = wire.Module{Name: m.Name, Funcs: make([]wire.Func, len(m.Funcs))}
		for j, f := range m.Funcs {
			wf := wire.Func{Name: f.Name, Params: make([]wire.Param, len(f.Params))}
			for k, prm := range f.Params {
				wf.Params[k] = wire.Param{Name: prm.Name, Type: int64(prm.Type), Optional: prm.Optional}
			}
			out[i].Funcs[j] = wf
		}
	}
	return out
}

// stopFrame describes why the run must stop.
func stopFrame(cause error) *wire.Stop {
	var (
		le *limits.ExceededError
		ce *limits.CanceledError
	)
	switch {
	case errors.As(cause, &le):
		return &wire.Stop{Kind: "limit", Limit: le.Limit, Value: le.Value}
	case errors.As(cause, &ce):
		return &wire.Stop{Kind: "canceled", Deadline: ce.Deadline}
	}
	// Any other cause (a denial that ended the run, say): the worker learns
	// it from the reply; stop it as canceled.
	return &wire.Stop{Kind: "canceled"}
}

// callError turns an env.Call error into its wire form.
func callError(err error) *wire.CallError {
	var (
		ae *bridge.ArgError
		he *bridge.HostError
		de *bridge.DeniedError
		le *limits.ExceededError
		ce *limits.CanceledError
		ee *Error
	)
	switch {
	case errors.As(err, &ae):
		return &wire.CallError{Kind: "arg", Capability: ae.Capability, Param: ae.Param, Message: ae.Msg}
	case errors.As(err, &he):
		return &wire.CallError{Kind: "host", Capability: he.Capability, Message: he.Msg}
	case errors.As(err, &de):
		return &wire.CallError{Kind: "denied", Capability: de.Capability, Rule: de.Rule, Message: de.Msg, Catchable: de.Catchable}
	case errors.As(err, &le):
		return &wire.CallError{Kind: "limit", Limit: le.Limit, Value: le.Value}
	case errors.As(err, &ce):
		return &wire.CallError{Kind: "canceled", Deadline: ce.Deadline}
	case errors.As(err, &ee):
		return &wire.CallError{Kind: "error", Message: ee.Message}
	}
	return &wire.CallError{Kind: "internal", Message: "internal error"}
}

// resultError rebuilds the run's error from the worker's report, with the
// parent's own cause where it has one (for errors.Is/As on the host side).
func resultError(r *wire.ResultError, w *limits.Watchdog) *Error {
	e := &Error{Kind: Kind(r.Kind), Limit: r.Limit, Capability: r.Capability, Rule: r.Rule,
		Message: r.Message, Pos: r.Pos, Stack: r.Stack}
	switch e.Kind {
	case KindCompile, KindRuntime, KindLimit, KindDenied, KindHost, KindInput, KindOutput:
	case KindInternal:
		e.Err = fmt.Errorf("in the worker process: %s", r.Cause)
		return e
	default:
		return &Error{Kind: KindInternal, Message: "the worker process running the script failed",
			Err: fmt.Errorf("worker reported an unknown error kind %q", r.Kind)}
	}
	if cause := w.Cause(); cause != nil {
		if pe := FromCause(cause); pe.Kind == e.Kind && pe.Limit == e.Limit {
			e.Err = pe.Err
		}
	}
	if e.Err == nil && e.Kind == KindLimit {
		e.Err = limits.Exceeded(w.Budget(), e.Limit)
	}
	return e
}

// tailBuffer keeps the first bytes written to it (a worker's stderr: the
// first line of a Go fatal error or panic names what happened).
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
}

const tailMax = 4096

func (t *tailBuffer) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.buf) < tailMax {
		n := min(len(b), tailMax-len(t.buf))
		t.buf = append(t.buf, b[:n]...)
	}
	return len(b), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

// defaultSize is the pool size when WorkerConfig.Size is 0.
func defaultSize() int { return runtime.GOMAXPROCS(0) }
