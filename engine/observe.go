package engine

import (
	"context"
	"time"

	"github.com/scriptrun/scriptrun/bridge"
	"github.com/scriptrun/scriptrun/limits"
	"github.com/scriptrun/scriptrun/policy"
)

// Observer receives a host's run and host-call events: what telemetry,
// recorders and the containment monitor are built on. Set it in
// Config.Observer (every run) or RunOptions.Observer (one run); unset, it
// costs nothing. (Config.Containment is an Observer too and gets the same
// events; a run it refuses is seen to start and finish with its error.)
//
// Its methods are called on the run's goroutine, in order: RunStarted, a
// HostCall for every call that reached the policy, RunFinished. A further
// use a host function asks about (bridge.Run.Check) is a HostCall too, with
// Call.Via set, before the call it is part of; it may come from a goroutine
// the function started while the run's goroutine waits for the function,
// and one call's further uses come one at a time. Runs go on concurrently, so one Observer sees many runs' events at once and must be
// safe for concurrent use; it must not block (the run waits for it) and must
// not keep the events, whose fields may be reused, past the call.
type Observer interface {
	RunStarted(r *RunInfo)
	HostCall(r *RunInfo, c *bridge.CallEvent)
	RunFinished(r *RunInfo, res *Result, err error)
}

// RunInfo is who and what a run is, as observers see it. It does not change
// during the run.
type RunInfo struct {
	ID       uint64 // the host's run number, as in the audit log's "run" field
	Script   *Script
	Identity Identity // the run's own copy
	Policy   *policy.Policy
	Budget   limits.Budget // the budget in force
	Seed     uint64        // the seed the run got (RunOptions.Seed or a random one)
	Start    time.Time     // wall clock, not the script's
}

// Answer answers a run's allowed host calls in place of the modules' Go
// implementations (RunOptions.Answer). c is the call as the policy saw it,
// args the validated arguments by param name. Its result is copied into
// the script like a module's; its error reaches the script as a module's
// would (a bridge.Message is shown as is, anything else as "host function
// failed").
type Answer func(ctx context.Context, c *bridge.Call, args bridge.Args) (any, error)

// Coverage collects the source lines a run executed (RunOptions.Coverage).
// Lines is keyed by 1-based line number; a backend adds to it as the run
// goes, so read it after Run returns. Coverage is collected in-process
// only: a run with Isolation: Process and Coverage set fails as input.
type Coverage struct {
	Lines map[int]bool
}

// observers combines the host's and the run's observers and the host's
// containment monitor.
type observers [3]Observer

func (o observers) started(r *RunInfo) {
	for _, x := range o {
		if x != nil {
			x.RunStarted(r)
		}
	}
}

func (o observers) call(r *RunInfo, c *bridge.CallEvent) {
	for _, x := range o {
		if x != nil {
			x.HostCall(r, c)
		}
	}
}

func (o observers) finished(r *RunInfo, res *Result, err error) {
	for _, x := range o {
		if x != nil {
			x.RunFinished(r, res, err)
		}
	}
}

// Observers returns one Observer that hands every event to each of obs in
// order (nil ones skipped): Config takes one, a service often has several
// (metrics, tracing, a containment monitor).
func Observers(obs ...Observer) Observer {
	var list multiObserver
	for _, o := range obs {
		if o != nil {
			list = append(list, o)
		}
	}
	switch len(list) {
	case 0:
		return nil
	case 1:
		return list[0]
	}
	return list
}

type multiObserver []Observer

func (m multiObserver) RunStarted(r *RunInfo) {
	for _, o := range m {
		o.RunStarted(r)
	}
}

func (m multiObserver) HostCall(r *RunInfo, c *bridge.CallEvent) {
	for _, o := range m {
		o.HostCall(r, c)
	}
}

func (m multiObserver) RunFinished(r *RunInfo, res *Result, err error) {
	for _, o := range m {
		o.RunFinished(r, res, err)
	}
}
