package bridge

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"
)

// Run is what a host function may know of, and do to, the run that called
// it: its random seed, its clock and its tenant; asking the run's gate
// about a further use of a capability (Check); charging the run's budgets
// (ChargeMemory, ChargeLog); writing structured lines into the run's log
// (Log); noting facts in the call's audit event (Annotate); and keeping
// per-run state (State). Modules that must be deterministic
// (crypto.random_bytes) take their randomness from here.
//
// The engine makes one Run per run and fills in every field. A Run made by
// hand (tests, a Dispatcher used alone) may leave Meter and Logger nil:
// nothing is charged and log lines are dropped.
type Run struct {
	Seed   uint64
	Now    func() time.Time
	Tenant string
	// Meter charges the run's budgets. The engine's is the run's watchdog:
	// a charge over the budget stops the run with that limit.
	Meter Meter
	// Logger receives the lines Log writes, after their bytes have been
	// charged to the run's log budget.
	Logger func(LogLine)

	rng *rand.ChaCha8

	mu    sync.Mutex
	state map[any]any
}

// Meter is the part of a run's budget authority host functions charge.
// *limits.Watchdog implements it. Both methods are safe from any goroutine;
// over the budget they stop the run and return the limit error.
type Meter interface {
	AddLog(n int64) error    // bytes written to the run's log
	AddMemory(n int64) error // bytes held on the run's behalf
}

// LogLine is one structured line a host module writes into the run's log.
// Fields is in the value model (a private copy) or nil.
type LogLine struct {
	Level   string
	Message string
	Fields  map[string]any
}

type runKey struct{}

// WithRun returns ctx carrying r.
func WithRun(ctx context.Context, r *Run) context.Context {
	return context.WithValue(ctx, runKey{}, r)
}

// RunFrom returns the Run in ctx, or nil.
func RunFrom(ctx context.Context) *Run {
	r, _ := ctx.Value(runKey{}).(*Run)
	return r
}

// Read fills p from the run's seeded random stream (ChaCha8). A run is one
// goroutine, so Read needs no lock.
func (r *Run) Read(p []byte) (int, error) {
	if r.rng == nil {
		var seed [32]byte
		for i := 0; i < 8; i++ {
			seed[i] = byte(r.Seed >> (8 * i))
		}
		copy(seed[8:], "scriptrun/bridge.Run/random....")
		r.rng = rand.NewChaCha8(seed)
	}
	return r.rng.Read(p)
}

// State returns the run's value for key, made by init on first use. Modules
// keep per-run counters here (bridge/http counts requests per run); key
// should be an unexported type of the module, as with context keys. Safe
// from any goroutine.
func (r *Run) State(key any, init func() any) any {
	r.mu.Lock()
	defer r.mu.Unlock()
	if v, ok := r.state[key]; ok {
		return v
	}
	if r.state == nil {
		r.state = map[any]any{}
	}
	v := init()
	r.state[key] = v
	return v
}

// Check asks the run's gate about a further use of a capability by the host
// call whose ctx is given: the same check a script's call gets (the policy
// decides with args, the use counts as one host call and one use of the
// capability in usage.calls) and a host.call audit event with its decision
// and "via" naming the calling capability. capability need not be a
// registered function ("http.private"), but must look like module.function.
//
// It returns nil when the use is allowed, else a *DeniedError or the
// gate's error (the host-call budget is gone). Either error is final for
// the host call: the call fails with it whatever the function returns
// afterwards, so a denial fails the call as `denied` like a direct one
// (catchable only where the policy says so). Outside a host call, or after
// it returned, Check refuses. Safe from any goroutine; checks of one call
// are serialized.
func (r *Run) Check(ctx context.Context, capability string, args Args) error {
	cs := callFrom(ctx)
	if cs == nil {
		return fmt.Errorf("bridge: Run.Check(%s) outside a host call", capability)
	}
	return cs.check(ctx, capability, args)
}

// ChargeMemory charges n bytes held on the run's behalf (a response body
// being read, say) to its memory budget. Over the budget the run stops
// with the memory limit and the error is final for the host call, as with
// Check. Charges are not returned when the call ends: like the memory a
// script allocates, they count what the run made the host hold.
func (r *Run) ChargeMemory(ctx context.Context, n int64) error {
	if r.Meter == nil {
		return nil
	}
	return fail(ctx, r.Meter.AddMemory(n))
}

// ChargeLog charges n bytes to the run's log budget (see also Log). Over
// the budget the run stops with the logs limit; the error is final for
// the host call.
func (r *Run) ChargeLog(ctx context.Context, n int64) error {
	if r.Meter == nil {
		return nil
	}
	return fail(ctx, r.Meter.AddLog(n))
}

// Log writes one structured line into the run's log, where the script's
// own console.log/print lines go: level, message and fields (a value
// already in the model, copied by the caller). It charges
// len(message)+Size(fields)+1 bytes to the log budget first; over the
// budget nothing is written and the run stops with the logs limit.
func (r *Run) Log(ctx context.Context, level, message string, fields map[string]any) error {
	n := int64(len(message)) + 1
	if len(fields) > 0 {
		n += Size(fields)
	}
	if err := r.ChargeLog(ctx, n); err != nil {
		return err
	}
	if r.Logger != nil {
		r.Logger(LogLine{Level: level, Message: message, Fields: fields})
	}
	return nil
}

// Annotate adds key=value to the host.call audit event of the call whose
// ctx is given (bridge/http notes the connected address). A later value
// for the same key replaces the earlier one; keys the event already has
// (event, capability, decision, rule, ...) are ignored. Outside a host
// call it does nothing. Safe from any goroutine.
func (r *Run) Annotate(ctx context.Context, key, value string) {
	if cs := callFrom(ctx); cs != nil {
		cs.annotate(key, value)
	}
}

// fail records a budget error as final for the call in ctx.
func fail(ctx context.Context, err error) error {
	if err != nil {
		if cs := callFrom(ctx); cs != nil {
			return cs.fail(err)
		}
	}
	return err
}
