package engine

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/scriptrun/scriptrun/bridge"
	"github.com/scriptrun/scriptrun/limits"
	"github.com/scriptrun/scriptrun/loc"
	"github.com/scriptrun/scriptrun/policy"
)

// Config configures a Host. The zero value of every field is the safe default.
type Config struct {
	// Backends are the languages the host runs, by Lang().
	Backends []Backend
	// Modules are the host objects scripts may call (through the policy).
	Modules []*bridge.Module
	// Logger receives the audit events. nil: no audit log. It is written
	// from concurrent runs and, with Isolation: Process, from the worker
	// pool's goroutines: its writer must be safe for concurrent use
	// (zerolog.SyncWriter makes any writer so).
	Logger *zerolog.Logger
	// Budget holds the defaults for runs; zero fields take limits.Default().
	Budget limits.Budget
	// LogArgs puts host-call argument values into the audit log for every
	// run (a policy's `audit: {args: true}` and RunOptions.LogArgs do it for
	// some runs). Values of params marked bridge.Param.Secret are redacted.
	LogArgs bool
	// MaxNesting bounds source nesting (default 256).
	MaxNesting int
	// HeapCeiling is the process heap size (bytes) at which every active run
	// is stopped with the memory limit: the backstop against a script that
	// would make the process run out of memory. 0: limits.DefaultHeapCeiling.
	HeapCeiling uint64
	// Isolation is where scripts' VMs run: InProcess (the zero value) or
	// Process (worker processes configured by Workers; see process.go).
	Isolation Isolation
	// Workers configures the worker processes of Isolation: Process.
	Workers WorkerConfig
	// Observer receives every run's events (see Observer); nil: none.
	Observer Observer
	// Admission bounds the runs going on at once (see Admission).
	Admission Admission
	// Containment, when set, may refuse runs, tighten their budgets and
	// revoke capabilities (see Containment); it also gets every run's
	// events, as an Observer. nil: none.
	Containment Containment
}

// Host compiles and runs scripts. It is safe for concurrent use: any number
// of runs may go on at once.
type Host struct {
	backends map[string]Backend
	registry *bridge.Registry
	log      zerolog.Logger
	budget   limits.Budget
	logArgs  bool
	nesting  int
	specs    []bridge.ModuleSpec
	heap     *limits.HeapGuard
	runs     atomic.Uint64
	pool     *pool // Isolation: Process
	observer Observer
	admit    *admission
	contain  Containment
}

// NewHost validates cfg and returns a Host.
func NewHost(cfg Config) (*Host, error) {
	h := &Host{backends: map[string]Backend{}, logArgs: cfg.LogArgs, nesting: cfg.MaxNesting, observer: cfg.Observer, contain: cfg.Containment}
	if len(cfg.Backends) == 0 {
		return nil, errors.New("engine: Config.Backends is empty")
	}
	for _, b := range cfg.Backends {
		if b == nil {
			return nil, errors.New("engine: nil backend")
		}
		if h.backends[b.Lang()] != nil {
			return nil, fmt.Errorf("engine: two backends for language %q", b.Lang())
		}
		h.backends[b.Lang()] = b
	}
	reg, err := bridge.NewRegistry(cfg.Modules...)
	if err != nil {
		return nil, fmt.Errorf("engine: %w", err)
	}
	h.registry = reg
	h.specs = reg.Specs()
	if cfg.Logger != nil {
		h.log = *cfg.Logger
	} else {
		h.log = zerolog.Nop()
	}
	h.budget, err = limits.Resolve(limits.Default(), cfg.Budget, limits.Budget{})
	if err != nil {
		return nil, fmt.Errorf("engine: Config.%w", err)
	}
	h.heap = limits.NewHeapGuard(cfg.HeapCeiling)
	h.admit = newAdmission(cfg.Admission, cfg.Isolation == InProcess)
	if h.nesting <= 0 {
		h.nesting = 256
	}
	switch cfg.Isolation {
	case InProcess:
	case Process:
		size := cfg.Workers.Size
		if size <= 0 {
			size = defaultSize()
		}
		h.pool, err = newPool(cfg.Workers, h.log, size)
		if err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("engine: Config.Isolation: unknown value %d", int(cfg.Isolation))
	}
	return h, nil
}

// Close releases what the host holds: with Isolation: Process, the worker
// processes (busy ones are killed, failing their runs) and the pool's
// goroutines; and the backends' pools of prepared VMs (a backend that has
// one implements io.Closer; Close closes the backends given in
// Config.Backends, so do not share one Backend between hosts you close
// separately). The host must not be used afterwards.
func (h *Host) Close() error {
	var errs []error
	if h.pool != nil {
		h.pool.close()
	}
	for _, b := range h.backends {
		if c, ok := b.(io.Closer); ok {
			errs = append(errs, c.Close())
		}
	}
	return errors.Join(errs...)
}

// Source is a script to compile.
type Source struct {
	Name string // shown in positions ("transform.js"); no directories please
	Lang string // "js" or "lua"
	Code string
	// Version is an optional label for this version of the script ("v12",
	// a commit id) that audit events carry beside the source's sha256.
	Version string
}

// Script is a compiled script. It is immutable and may be run any number of
// times from any number of goroutines.
type Script struct {
	name, lang, sha string
	version         string
	src             string // for worker processes, which compile it again
	prog            Program
	backend         Backend
}

// Name returns the script's name.
func (s *Script) Name() string { return s.name }

// Lang returns the script's language.
func (s *Script) Lang() string { return s.lang }

// SHA256 returns the hex SHA-256 of the source.
func (s *Script) SHA256() string { return s.sha }

// Version returns the source's version label (Source.Version).
func (s *Script) Version() string { return s.version }

// Compile compiles src with the host's source limits.
func (h *Host) Compile(src Source) (*Script, error) {
	b := h.backends[src.Lang]
	if b == nil {
		return nil, &Error{Kind: KindCompile, Message: fmt.Sprintf("unknown language %q", src.Lang)}
	}
	if src.Name == "" {
		src.Name = "script." + src.Lang
	}
	sum := sha256.Sum256([]byte(src.Code))
	s := &Script{name: src.Name, lang: src.Lang, sha: hex.EncodeToString(sum[:]), version: src.Version, src: src.Code, backend: b}
	if int64(len(src.Code)) > h.budget.Source {
		err := &Error{Kind: KindLimit, Limit: limits.Source, Pos: loc.Pos{File: src.Name},
			Message: fmt.Sprintf("source is %d bytes, over the limit of %d", len(src.Code), h.budget.Source)}
		h.logCompiled(s, err)
		return nil, err
	}
	prog, err := guardCompile(b, src, CompileLimits{MaxSource: h.budget.Source, MaxNesting: h.nesting})
	if err != nil {
		h.logCompiled(s, err)
		return nil, err
	}
	s.prog = prog
	h.logCompiled(s, nil)
	return s, nil
}

func guardCompile(b Backend, src Source, lim CompileLimits) (p Program, err error) {
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, &Error{Kind: KindInternal, Message: "compiler failed", Err: fmt.Errorf("panic: %v\n%s", r, debug.Stack())}
		}
	}()
	p, err = b.Compile(src, lim)
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			err = &Error{Kind: KindInternal, Message: "compiler failed", Err: err}
		}
	}
	return p, err
}

func (h *Host) logCompiled(s *Script, err error) {
	ev := h.log.Info()
	if err != nil {
		ev = h.log.Warn().AnErr("error", err)
	}
	ev = ev.Str("event", "script.compiled").Str("script", s.name).Str("lang", s.lang).Str("sha256", s.sha)
	if s.version != "" {
		ev = ev.Str("version", s.version)
	}
	ev.Msg("script.compiled")
}

// Identity is who a script is, as policies see it (script.tenant, script.labels).
type Identity struct {
	Tenant string
	Labels map[string]string
}

// RunOptions configure one run. The zero value is a run with null input, no
// capabilities and the host's default budget.
type RunOptions struct {
	// Input is the script's `input`, in the bridge value model (see
	// bridge.Copy); the script gets a deep copy.
	Input any
	// Policy decides every host call. nil: every call is denied.
	Policy *policy.Policy
	// Budget replaces the host's defaults field by field; the policy's
	// limits are ceilings over both.
	Budget limits.Budget
	// Identity is the script's tenant and labels.
	Identity Identity
	// Seed seeds Math.random / math.random and crypto.random_*; 0 picks a
	// random seed. Now is the script's clock; nil uses the real time.
	Seed uint64
	Now  func() time.Time
	// Observer receives this run's events, besides Config.Observer.
	Observer Observer
	// Answer, when set, answers the run's allowed host calls instead of the
	// modules (mocks in script tests, replays of recordings); the policy
	// still decides every call.
	Answer Answer
	// Coverage, when set, collects the source lines the run executed.
	Coverage *Coverage
	// LogArgs puts this run's host-call argument values into the audit log
	// (per tenant, say), as Config.LogArgs does for every run; values of
	// params marked bridge.Param.Secret are redacted.
	LogArgs bool
}

// LogLine is one line a script logged: with console.log/print (Level is
// the method's name) or through a host module such as bridge/log, which
// may add Fields (in the value model).
type LogLine struct {
	Level   string         `json:"level"`
	Message string         `json:"message"`
	Fields  map[string]any `json:"fields,omitempty"`
}

// Result is what a run produced. Run returns it with Usage and Logs filled
// in even when the run failed.
type Result struct {
	Value any
	Usage limits.Usage
	Logs  []LogLine
	// Seed is the seed the run got: RunOptions.Seed, or the random one
	// picked when that was 0 (what a replay needs).
	Seed uint64
}

// Run runs s once. It returns a non-nil Result (with Usage and Logs) and, on
// failure, an *Error. ctx cancellation stops the script.
func (h *Host) Run(ctx context.Context, s *Script, opts RunOptions) (res *Result, err error) {
	res = &Result{}
	runID := h.runs.Add(1)
	lc := h.log.With().Uint64("run", runID).Str("script", s.name)
	if opts.Policy != nil {
		// Every event of the run says which policy, in which revision,
		// decided it.
		lc = lc.Str("policy", opts.Policy.Name).Str("policyRevision", opts.Policy.Revision())
	}
	log := lc.Logger()
	var ceiling limits.Budget
	if opts.Policy != nil {
		ceiling = opts.Policy.Limits
	}
	budget, berr := limits.Resolve(h.budget, opts.Budget, ceiling)
	if berr != nil {
		return res, &Error{Kind: KindInput, Message: berr.Error(), Err: berr}
	}
	seed := opts.Seed
	if seed == 0 {
		var b [8]byte
		_, _ = rand.Read(b[:])
		seed = binary.LittleEndian.Uint64(b[:]) | 1
	}
	res.Seed = seed
	// The labels are copied once: the caller's map may change after Run
	// returns, or while it runs, and neither the policy nor the script may
	// see that.
	labels := maps.Clone(opts.Identity.Labels)
	start := time.Now()
	obs := observers{h.observer, opts.Observer, h.contain}
	var info *RunInfo
	if obs != (observers{}) {
		info = &RunInfo{ID: runID, Script: s, Identity: Identity{Tenant: opts.Identity.Tenant, Labels: labels},
			Policy: opts.Policy, Budget: budget, Seed: seed, Start: start}
	}
	var (
		hold    Hold
		refused error
	)
	if h.contain != nil {
		if hold, refused = h.contain.Admit(info); refused == nil {
			// Tightened budgets are ceilings like the policy's.
			if budget, berr = limits.Resolve(budget, limits.Budget{}, hold.Budget); berr != nil {
				refused = &Error{Kind: KindInternal, Message: "containment: " + berr.Error(), Err: berr}
			}
			info.Budget = budget
		} else if e := (*Error)(nil); !errors.As(refused, &e) {
			refused = &Error{Kind: KindInternal, Message: "containment failed", Err: refused}
		}
	}
	var runSlot *slot
	if refused == nil {
		// A run takes a slot before anything of it starts; a quarantined
		// one is refused without waiting for one.
		sl, aerr := h.admit.acquire(ctx, opts.Identity.Tenant)
		if aerr != nil {
			log.Warn().Str("event", "run.refused").Str("tenant", opts.Identity.Tenant).Str("reason", aerr.Error()).Msg("run.refused")
			return res, aerr
		}
		defer sl.release()
		runSlot = sl
	}
	// The watchdog owns the run's context: the script, and every host call
	// it makes, stop when it is done (see limits.Watchdog).
	w := limits.NewWatchdog(ctx, budget)
	defer w.Stop()
	defer h.heap.Watch(w)()
	if runSlot != nil && h.admit.demote {
		w.SetThrottle(runSlot.tick)
	}
	if info != nil {
		obs.started(info)
	}
	h.logStarted(log, s, opts, seed, start, hold.Rules)
	var remote *limits.Usage // what a worker process measured
	defer func() {
		res.Usage = w.Usage()
		if remote != nil {
			res.Usage.Steps, res.Usage.MemoryBytes, res.Usage.CPUMs = remote.Steps, remote.MemoryBytes, remote.CPUMs
		}
		if err == nil {
			res.Usage.OutputBytes = bridge.Size(res.Value)
		}
		h.logFinished(log, s, res, err)
		if info != nil {
			obs.finished(info, res, err)
		}
	}()
	if refused != nil {
		return res, refused
	}
	if opts.Coverage != nil && h.pool != nil {
		return res, &Error{Kind: KindInput, Message: "coverage is collected in-process only (Isolation: Process is set)"}
	}

	input, _, ierr := bridge.Copy(opts.Input, bridge.ValueLimits{MaxBytes: budget.Input})
	if ierr != nil {
		var ve *bridge.ValueError
		if errors.As(ierr, &ve) && ve.TooLarge {
			return res, &Error{Kind: KindLimit, Limit: limits.Input, Message: "input: " + ierr.Error(), Err: ierr}
		}
		return res, &Error{Kind: KindInput, Message: "input: " + ierr.Error(), Err: ierr}
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	g := &gate{pol: opts.Policy, w: w, now: now, calls: map[string]int64{}, contain: h.contain, info: info,
		script: policy.Script{Name: s.name, Lang: s.lang, SHA256: s.sha, Tenant: opts.Identity.Tenant, Labels: labels}}
	logArgs := h.logArgs || opts.LogArgs || opts.Policy != nil && opts.Policy.LogArgs
	d := &bridge.Dispatcher{Registry: h.registry, Gate: g, Log: log, LogArgs: logArgs,
		Result: bridge.ValueLimits{MaxBytes: budget.Input}}
	if opts.Answer != nil {
		d.Answer = opts.Answer
	}
	if info != nil {
		d.Observe = func(c *bridge.CallEvent) { obs.call(info, c) }
	}
	// Host functions charge the run's budgets and write its log through
	// rinfo (bridge.Run); with Isolation: Process they run here in the
	// parent too, so the same watchdog and log take the charges.
	rinfo := &bridge.Run{Seed: seed, Now: now, Tenant: opts.Identity.Tenant, Meter: w,
		Logger: func(l bridge.LogLine) {
			res.Logs = append(res.Logs, LogLine{Level: l.Level, Message: l.Message, Fields: l.Fields})
		}}
	env := &Env{
		Input:    input,
		Script:   ScriptInfo{Name: s.name, Lang: s.lang, SHA256: s.sha, Tenant: opts.Identity.Tenant, Labels: labels},
		Modules:  h.specs,
		Meter:    w,
		Budget:   budget,
		Seed:     seed,
		Now:      now,
		Coverage: opts.Coverage,
		Args:     bridge.ValueLimits{MaxBytes: budget.Output},
		Result:   bridge.ValueLimits{MaxBytes: budget.Input},
		Call: func(ctx context.Context, capability string, args []any) (any, error) {
			res, err := d.Call(bridge.WithRun(ctx, rinfo), capability, args)
			if err != nil {
				if cause := w.Cause(); cause != nil {
					// The run was stopped while the call ran (its context
					// ended the call): the run's cause, not a host failure
					// the script may catch.
					return nil, cause
				}
			}
			return res, err
		},
		Log: func(level, msg string) error {
			if err := w.AddLog(int64(len(msg)) + 1); err != nil {
				return err
			}
			res.Logs = append(res.Logs, LogLine{Level: level, Message: msg})
			return nil
		},
	}
	var (
		v    any
		rerr error
	)
	if h.pool != nil {
		remote = &limits.Usage{}
		v, rerr = h.process(w, s, env, opts.Now == nil, remote)
	} else {
		v, rerr = guardRun(w.Context(), s, env)
	}
	w.Stop()
	if rerr != nil {
		if le, ok := rerr.(*Error); ok && le.Kind == KindLimit {
			log.Warn().Str("event", "limit.exceeded").Str("limit", le.Limit).Str("value", budget.Value(le.Limit)).Msg("limit.exceeded")
		}
		return res, rerr
	}
	res.Value = v
	return res, nil
}

func guardRun(ctx context.Context, s *Script, env *Env) (v any, err error) {
	defer func() {
		if r := recover(); r != nil {
			v, err = nil, &Error{Kind: KindInternal, Message: "internal error", Err: fmt.Errorf("panic: %v\n%s", r, debug.Stack())}
		}
	}()
	v, err = s.backend.Run(ctx, s.prog, env)
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			e = FromCause(err)
		}
		return nil, e
	}
	return v, nil
}

// logStarted writes run.started: with the script's version, the policy's
// revision (in the run's logger), the seed and the start time, what a replay
// of the run from the log needs besides the input.
func (h *Host) logStarted(log zerolog.Logger, s *Script, opts RunOptions, seed uint64, start time.Time, contained []string) {
	ev := log.Info().Str("event", "run.started").Str("lang", s.lang).Str("sha256", s.sha)
	if s.version != "" {
		ev = ev.Str("version", s.version)
	}
	ev = ev.Str("tenant", opts.Identity.Tenant).Uint64("seed", seed).Time("start", start)
	if len(contained) > 0 {
		ev = ev.Strs("containment", contained)
	}
	ev.Msg("run.started")
}

func (h *Host) logFinished(log zerolog.Logger, s *Script, res *Result, err error) {
	u := res.Usage
	ev := log.Info()
	outcome := "ok"
	if err != nil {
		ev = log.Warn()
		outcome = "error"
		var e *Error
		if errors.As(err, &e) {
			outcome = string(e.Kind)
			for _, f := range [...][2]string{{"limit", e.Limit}, {"capability", e.Capability}, {"rule", e.Rule}} {
				if f[1] != "" {
					ev = ev.Str(f[0], f[1])
				}
			}
			ev = ev.Str("error", e.Message)
			var he *bridge.HostError
			switch {
			case e.Kind == KindInternal && e.Err != nil:
				ev = ev.Str("cause", e.Err.Error())
			case e.Kind == KindHost && errors.As(e.Err, &he) && he.Err != nil:
				// Why the host function failed (a panic's stack is in its
				// host.call event).
				ev = ev.Str("cause", he.Err.Error())
			}
		}
	}
	ev = ev.Str("event", "run.finished").Str("outcome", outcome).Str("sha256", s.sha)
	if s.version != "" {
		ev = ev.Str("version", s.version)
	}
	ev.
		Int64("steps", u.Steps).Int64("memoryBytes", u.MemoryBytes).Int64("cpuMs", u.CPUMs).
		Int64("wallMs", u.WallMs).Int64("hostCalls", u.HostCalls).Int64("outputBytes", u.OutputBytes).
		Int64("logBytes", u.LogBytes).Msg("run.finished")
}

var _ bridge.Meter = (*limits.Watchdog)(nil)

// gate implements bridge.Gate with the run's policy and watchdog. It
// decides through one policy.Session for the run, so what does not change
// between calls (rules whose patterns and script-only conditions settle
// them) is worked out once, and gives the session the run's usage as a view
// of its live counts (policy.State), read only when a rule names it. A
// further use a host function asks about (bridge.Run.Check) comes here like
// a script's call: it counts as a host call and as a use of its capability.
type gate struct {
	pol    *policy.Policy
	w      *limits.Watchdog
	now    func() time.Time
	script policy.Script
	calls  map[string]int64 // allowed calls per capability so far
	sess   *policy.Session  // made on the first call
	// contain, when set, may have revoked capabilities: asked before the
	// policy, on every call, so a revocation applies from the next call.
	contain Containment
	info    *RunInfo
}

func (g *gate) Check(ctx context.Context, c *bridge.Call) (bridge.Decision, error) {
	if err := g.w.AddHostCall(); err != nil {
		return bridge.Decision{}, err
	}
	if g.contain != nil {
		if r, ok := g.contain.Revoked(g.info, c.Capability); ok {
			return bridge.Decision{Rule: r.Rule, Message: r.Message, Catchable: g.pol != nil && g.pol.CatchableDenials}, nil
		}
	}
	if g.pol == nil {
		return bridge.Decision{Message: "the run has no policy, so no capabilities"}, nil
	}
	if g.sess == nil {
		g.sess = g.pol.NewSession(g.script)
	}
	d := g.sess.Decide(ctx, policy.Call{Name: c.Capability, Module: c.Module, Function: c.Function}, c.Args, g)
	if d.Allow {
		g.calls[c.Capability]++
	}
	return bridge.Decision{Allow: d.Allow, Rule: d.Rule, Message: denialMessage(d), WouldDeny: d.WouldDeny,
		Catchable: g.pol.CatchableDenials}, nil
}

// denialMessage is what a denial adds to "call to C denied by rule R" (or
// "call to C denied: no rule allows it"), so that the denial says each
// thing once: the deny rule's own message, or why the rule failed to
// evaluate (the rule is named already), and nothing for the policy's
// fixed texts, which restate the rule or the call.
func denialMessage(d policy.Decision) string {
	var ee *policy.EvalError
	switch {
	case errors.As(d.Err, &ee):
		return ee.Expr + " failed: " + ee.Err.Error()
	case d.Err == nil && !d.Authored:
		return ""
	}
	return d.Message
}

// Usage is the run's usage before the call being decided (policy.State).
// Calls is the live map: the session reads it only while deciding, and it
// changes only after the decision.
func (g *gate) Usage() policy.Usage {
	return policy.Usage{Steps: g.w.Steps(), HostCalls: g.w.HostCalls() - 1, Elapsed: g.w.Elapsed(), Calls: g.calls}
}

// Now is the run's clock (policy.State).
func (g *gate) Now() time.Time { return g.now() }
