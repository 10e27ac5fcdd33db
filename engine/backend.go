package engine

import (
	"context"
	"time"

	"github.com/scriptrun/scriptrun/bridge"
	"github.com/scriptrun/scriptrun/limits"
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
	// result in the bridge value model. Errors are *Error. Run must not let a
	// panic escape and must stop when env.Watchdog trips.
	Run(ctx context.Context, p Program, env *Env) (any, error)
}

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
	// Modules give the shape of the script's `host` object.
	Modules []*bridge.Module
	// Call performs a host call through the dispatcher. Its errors are
	// *bridge.ArgError, *bridge.HostError, *bridge.DeniedError or a limit.
	Call func(ctx context.Context, capability string, args []any) (any, error)
	// Watchdog counts steps, host calls and logs and stops the run.
	Watchdog *limits.Watchdog
	// Budget is the budget in force (also Watchdog.Budget()).
	Budget limits.Budget
	// Log writes one line of the script's log (console.*, print).
	Log func(level, msg string) error
	// Seed seeds the script's random numbers; Now is its clock.
	Seed uint64
	Now  func() time.Time
	// Args and Result bound values crossing into host calls and back.
	Args, Result bridge.ValueLimits
}
