package recording

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/scriptrun/scriptrun/bridge"
	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/limits"
	"github.com/scriptrun/scriptrun/loc"
)

// Options configure a Recorder.
type Options struct {
	// Registry is the host's modules: which params are secret
	// (bridge.Param.Secret) and which functions show the policy their own
	// view of the args. Required: without it nothing could be redacted.
	Registry *bridge.Registry
	// Input is the run's input (RunOptions.Input), copied when the
	// recorder is made.
	Input any
	// Source is the script's source; nil records only its sha256, and a
	// replay then needs the script given to it.
	Source *string
	// PolicySource is the policy file the run's policy was read from; nil
	// records only the policy's name.
	PolicySource []byte
	// MaxBytes bounds what the recorder keeps (values by bridge.Size, plus
	// a little per call and clock read); past it the recording is marked
	// Incomplete and records nothing more but the outcome. 0:
	// DefaultMaxSize.
	MaxBytes int64
}

// Recorder records one run. Give it to the run as RunOptions.Observer and
// its Clock as RunOptions.Now; after Run returns, Recording returns what
// it recorded. It records whatever the run's outcome: a failed run is
// the one worth replaying. Safe for concurrent use (the run's further uses
// may come from a host function's goroutine).
type Recorder struct {
	mu      sync.Mutex
	reg     *bridge.Registry
	rec     Recording
	pending []Call // further uses of the call in progress
	size    int64
	max     int64
	started bool
	done    bool
}

// perItem is what the recorder counts for a call or a clock read besides
// its values.
const perItem = 64

// NewRecorder returns a recorder for one run.
func NewRecorder(o Options) (*Recorder, error) {
	if o.Registry == nil {
		return nil, errors.New("recording: Options.Registry is nil")
	}
	r := &Recorder{reg: o.Registry, max: o.MaxBytes}
	if r.max <= 0 {
		r.max = DefaultMaxSize
	}
	r.rec.Version = Version
	r.rec.Clock, r.rec.Calls, r.rec.Logs = []Tick{}, []Call{}, []Log{}
	in, size, err := bridge.Copy(o.Input, bridge.ValueLimits{MaxBytes: r.max})
	if err != nil {
		r.rec.Incomplete = "input not recorded: " + err.Error()
	} else {
		r.rec.Input = Value{V: in}
		r.size += size
	}
	if o.Source != nil {
		src := *o.Source
		r.rec.Script.Source = &src
		r.size += int64(len(src))
	}
	if o.PolicySource != nil {
		src := string(o.PolicySource)
		sum := sha256.Sum256(o.PolicySource)
		r.rec.Policy = &Policy{SHA256: hex.EncodeToString(sum[:]), Source: &src}
		r.size += int64(len(src))
	}
	return r, nil
}

// Clock returns now (time.Now if nil) recording every read: set it as
// RunOptions.Now. It also makes a run in a worker process ask the parent
// for the time, so the script's reads are recorded there too.
func (r *Recorder) Clock(now func() time.Time) func() time.Time {
	if now == nil {
		now = time.Now
	}
	return func() time.Time {
		t := now()
		r.mu.Lock()
		defer r.mu.Unlock()
		if !r.done && r.charge(perItem) {
			r.rec.Clock = append(r.rec.Clock, Tick{Call: len(r.rec.Calls), Time: t})
		}
		return t
	}
}

// charge counts n bytes; over the bound it marks the recording incomplete
// and returns false. Called with mu held.
func (r *Recorder) charge(n int64) bool {
	if r.rec.Incomplete != "" {
		return false
	}
	r.size += n
	if r.size > r.max {
		r.rec.Incomplete = fmt.Sprintf("the recording went over %d bytes after %d host calls and %d clock reads",
			r.max, len(r.rec.Calls), len(r.rec.Clock))
		return false
	}
	return true
}

// RunStarted implements engine.Observer.
func (r *Recorder) RunStarted(info *engine.RunInfo) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.started {
		// One recorder, one run: a second run would interleave.
		r.rec.Incomplete = "the recorder saw a second run"
		return
	}
	r.started = true
	s := info.Script
	r.rec.Script.Name, r.rec.Script.Lang, r.rec.Script.SHA256 = s.Name(), s.Lang(), s.SHA256()
	if r.rec.Script.Source != nil {
		sum := sha256.Sum256([]byte(*r.rec.Script.Source))
		if hex.EncodeToString(sum[:]) != s.SHA256() {
			// Not the script that ran: keep only its sha256.
			r.rec.Script.Source = nil
		}
	}
	if info.Policy != nil {
		if r.rec.Policy == nil {
			r.rec.Policy = &Policy{}
		}
		r.rec.Policy.Name = info.Policy.Name
	}
	r.rec.Identity = Identity{Tenant: info.Identity.Tenant}
	if len(info.Identity.Labels) > 0 {
		r.rec.Identity.Labels = make(map[string]string, len(info.Identity.Labels))
		for k, v := range info.Identity.Labels {
			r.rec.Identity.Labels[k] = v
		}
	}
	r.rec.Budget = budgetOf(info.Budget)
	r.rec.Seed = info.Seed
	r.rec.Start = info.Start.Round(0)
}

// HostCall implements engine.Observer.
func (r *Recorder) HostCall(_ *engine.RunInfo, ev *bridge.CallEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done || r.rec.Incomplete != "" {
		return
	}
	c := Call{Capability: ev.Call.Capability, Outcome: ev.Outcome, Rule: ev.Decision.Rule}
	if !ev.Decision.Allow {
		c.Message = ev.Decision.Message
	}
	size := int64(perItem)
	fn := r.reg.Lookup(ev.Call.Capability)
	if ev.Call.Via != "" {
		// A further use: the args are the ones the function chose to
		// show the gate, and its capability need not be a function
		// ("http.private"); only a function's secret params are
		// redacted.
		c.Args = r.args(fn, ev.Call.Args, &size, false)
	} else {
		c.Args = r.args(fn, ev.Args, &size, true)
		if fn == nil || fn.PolicyArgs != nil {
			c.PolicyArgs = r.args(fn, ev.Call.Args, &size, true)
		}
	}
	switch {
	case ev.Err != nil:
		c.Error = callError(ev.Err)
		size += int64(len(c.Error.Message) + len(c.Error.Cause))
	case ev.Decision.Allow && ev.Call.Via == "":
		v := toValue(ev.Result)
		c.Result = &v
		size += bridge.Size(ev.Result)
	}
	if !r.charge(size) {
		return
	}
	if ev.Call.Via != "" {
		r.pending = append(r.pending, c)
		return
	}
	c.Checks, r.pending = r.pending, nil
	r.rec.Calls = append(r.rec.Calls, c)
}

// args copies a call's args, redacting the params fn marks secret. With
// strict, a function the registry lacks has every arg redacted (fail
// closed: the recorder cannot tell which are secret).
func (r *Recorder) args(fn *bridge.Func, args bridge.Args, size *int64, strict bool) map[string]Value {
	out := make(map[string]Value, len(args))
	for k, v := range args {
		if fn == nil && strict || fn != nil && secret(fn, k) {
			out[k] = redacted
			continue
		}
		out[k] = toValue(v)
		*size += bridge.Size(v) + int64(len(k))
	}
	return out
}

func secret(fn *bridge.Func, name string) bool {
	for _, p := range fn.Params {
		if p.Name == name {
			return p.Secret
		}
	}
	return false
}

// callError is a host call's error as the script saw it.
func callError(err error) *CallError {
	var (
		de *bridge.DeniedError
		he *bridge.HostError
		le *limits.ExceededError
	)
	switch {
	case errors.As(err, &de):
		return &CallError{Kind: "denied", Message: de.Msg, Rule: de.Rule, Catchable: de.Catchable}
	case errors.As(err, &le):
		return &CallError{Kind: "limit", Limit: le.Limit, Message: le.Error()}
	case errors.As(err, &he):
		return &CallError{Kind: "host", Message: he.Msg, Cause: he.Cause()}
	}
	if e := engine.FromCause(err); e != nil && e.Kind == engine.KindLimit {
		return &CallError{Kind: "limit", Limit: e.Limit, Message: e.Message}
	}
	return &CallError{Kind: "error", Message: err.Error()}
}

// RunFinished implements engine.Observer.
func (r *Recorder) RunFinished(_ *engine.RunInfo, res *engine.Result, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done {
		return
	}
	r.done = true
	if len(r.pending) > 0 && r.rec.Incomplete == "" {
		r.rec.Incomplete = "further uses without the host call they belong to"
	}
	if res != nil {
		r.rec.Usage = res.Usage
		for _, l := range res.Logs {
			if !r.charge(int64(len(l.Message)) + perItem) {
				break
			}
			lg := Log{Level: l.Level, Message: l.Message}
			if l.Fields != nil {
				lg.Fields = make(map[string]Value, len(l.Fields))
				for k, v := range l.Fields {
					lg.Fields[k] = toValue(v)
				}
			}
			r.rec.Logs = append(r.rec.Logs, lg)
		}
	}
	if err == nil {
		v := Value{}
		if res != nil {
			v = toValue(res.Value)
		}
		r.rec.Outcome = Outcome{OK: true, Value: &v}
		return
	}
	r.rec.Outcome = Outcome{Error: errorOf(err)}
	// A call cut short because the run was stopped (its deadline, the
	// caller) gave the script the run's cause, not its own error: a replay
	// waits for the run to be stopped the same way.
	if n := len(r.rec.Calls); n > 0 {
		last := &r.rec.Calls[n-1]
		if last.Error != nil && last.Error.Kind != "denied" && (last.Outcome == "allow" || last.Outcome == "audit-deny") &&
			stoppedCall(err) {
			last.Error = &CallError{Kind: "stopped", Message: r.rec.Outcome.Error.Message}
		}
	}
}

// stoppedCall says whether the run's error is a stop from outside the
// script (a wall-time limit, a cancellation), which a host call in
// progress ends with.
func stoppedCall(err error) bool {
	var e *engine.Error
	if !errors.As(err, &e) {
		return false
	}
	return e.Limit == limits.Timeout || errors.Is(err, context.Canceled) || errors.As(err, new(*limits.CanceledError))
}

// errorOf is a run's error as `scriptrun run` prints it.
func errorOf(err error) *Error {
	var e *engine.Error
	if !errors.As(err, &e) {
		return &Error{Kind: string(engine.KindInternal), Message: err.Error()}
	}
	msg := e.Message
	var he *bridge.HostError
	if e.Kind == engine.KindHost && errors.As(e.Err, &he) && he.Cause() != "" {
		// As `scriptrun run` prints it: what the script saw, then why.
		msg += ": " + he.Cause()
	}
	return &Error{Kind: string(e.Kind), Limit: e.Limit, Capability: e.Capability, Rule: e.Rule,
		Message: msg, Pos: e.Pos.String(), Stack: loc.Strings(e.Stack)}
}

// Recording returns what was recorded, once the run has finished (after
// Host.Run returned). The recording is the recorder's: do not change it
// while the recorder may still be used.
func (r *Recorder) Recording() (*Recording, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.started || !r.done {
		return nil, errors.New("recording: the run has not started and finished (is the Recorder its RunOptions.Observer?)")
	}
	rec := r.rec
	return &rec, nil
}

var _ engine.Observer = (*Recorder)(nil)
