package engine

import (
	"context"
	"errors"
	"time"

	"github.com/scriptrun/scriptrun/bridge"
	"github.com/scriptrun/scriptrun/limits"
	"github.com/scriptrun/scriptrun/loc"
)

// Backend is one script language. engine/js and engine/lua implement it.
// A Backend holds no per-run state and is safe for concurrent use.
type Backend interface {
	// Lang is the language name scripts declare ("js", "lua").
	Lang() string
	// Compile checks and compiles src. The Program is immutable and may be
	// run many times from many goroutines. Errors are *Error of KindCompile
	// (or KindLimit for the source size).
	Compile(src Source, lim CompileLimits) (Program, error)
	// Run runs p once in a fresh VM wired to env and returns the script's
	// result in the bridge value model. Errors are *Error. ctx is the run's
	// own context (the watchdog's): it is done as soon as the run must stop,
	// for any reason, and env.Meter.Cause says why; Run interrupts its VM
	// then (context.AfterFunc) and must not let a panic escape.
	Run(ctx context.Context, p Program, env *Env) (any, error)
}

// Meter is a run's budget authority as a backend sees it. *limits.Watchdog
// implements it; in a worker process it is the worker's own watchdog, with
// the parent keeping the authority over the wall time, host calls and logs.
type Meter interface {
	// Budget returns the budget in force.
	Budget() limits.Budget
	// Begin starts CPU accounting; call it on the locked OS thread that runs
	// the script, before it runs.
	Begin()
	// AddSteps charges n steps and returns how many are left; at the end of
	// the budget it trips and returns the limit error. It also checks the
	// CPU budget (script thread only).
	AddSteps(n int64) (left int64, err error)
	// SetSteps and Steps correct and read the exact step count.
	SetSteps(n int64)
	Steps() int64
	// AddMemory charges n bytes about to be allocated for the script.
	AddMemory(n int64) error
	// CheckCPU trips when the run's CPU time is over budget; SampleCPU
	// refreshes the figure Usage reports. Script thread only.
	CheckCPU() error
	SampleCPU()
	// Exceed trips for a limit the backend detected itself and returns the
	// error; Trip records any other cause. Only the first cause counts.
	Exceed(limit string) error
	Trip(cause error)
	// Cause returns why the run was stopped, or nil.
	Cause() error
}

var _ Meter = (*limits.Watchdog)(nil)

// Program is a backend's compiled script; only its backend looks inside.
type Program any

// CompileLimits bound what Compile accepts.
type CompileLimits struct {
	MaxSource  int64 // bytes of source
	MaxNesting int   // nesting depth, checked by a pre-scan before parsing
}

// Env is everything a backend needs for one run. It is built by the Host for
// each run and must not be kept after Run returns.
type Env struct {
	// Input is the run's input, already a private copy in the value model.
	Input any
	// Script is who the script is; the script reads it as `script`.
	Script ScriptInfo
	// Modules give the shape of the script's `host` object.
	Modules []bridge.ModuleSpec
	// Call performs a host call through the dispatcher. Its errors are
	// *bridge.ArgError, *bridge.HostError, *bridge.DeniedError or a limit.
	Call func(ctx context.Context, capability string, args []any) (any, error)
	// Meter counts steps and memory and stops the run.
	Meter Meter
	// Budget is the budget in force (also Meter.Budget()).
	Budget limits.Budget
	// Log writes one line of the script's log (console.*, print).
	Log func(level, msg string) error
	// Seed seeds the script's random numbers; Now is its clock.
	Seed uint64
	Now  func() time.Time
	// Coverage, when non-nil, collects the source lines the run executes
	// (a backend that cannot leaves it empty). In-process runs only.
	Coverage *Coverage
	// Args and Result bound values crossing into host calls and back.
	Args, Result bridge.ValueLimits
}

// ScriptInfo is the running script's identity as the script reads it
// (script.name, lang, sha256, tenant, labels), the same the policy sees.
// Backends build the script's read-only view of it on first use. Labels
// is the run's own copy; nothing changes it during the run.
type ScriptInfo struct {
	Name, Lang, SHA256, Tenant string
	Labels                     map[string]string
}

// Catchable says whether an error of Env.Call is thrown into the script as
// an error it may catch (bad arguments, a failed host function, a denial
// the policy makes catchable). Any other error ends the run: the backend
// trips the meter with it and stops the VM.
func Catchable(err error) bool {
	var (
		ae *bridge.ArgError
		he *bridge.HostError
		de *bridge.DeniedError
	)
	switch {
	case errors.As(err, &ae), errors.As(err, &he):
		return true
	case errors.As(err, &de):
		return de.Catchable
	}
	return false
}

// ResultError turns an error from copying the script's result out of the VM
// (a *bridge.ValueError, or any error) into the run's error: a result over
// the output budget is the output limit (and trips m), anything else cannot
// be returned (KindOutput).
func ResultError(m Meter, pos loc.Pos, err error) *Error {
	var ve *bridge.ValueError
	if errors.As(err, &ve) && ve.TooLarge {
		return FromCause(m.Exceed(limits.Output))
	}
	return &Error{Kind: KindOutput, Pos: pos, Message: "result: " + err.Error(), Err: err}
}
