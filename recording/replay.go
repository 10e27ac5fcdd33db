package recording

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/scriptrun/scriptrun/bridge"
	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/limits"
	"github.com/scriptrun/scriptrun/policy"
)

// ReplayOptions configure Replay.
type ReplayOptions struct {
	// Registry is the host's modules, where Live calls find their
	// implementation. Required.
	Registry *bridge.Registry
	// Live names modules ("log") or capabilities ("log.info") whose real
	// implementation the replay calls instead of answering from the
	// recording: ones whose only effect is on the run itself (bridge/log
	// writes the run's log and charges its log budget), so the replay's
	// log and usage match. Everything else is answered from the recording.
	// nil means {"log"}; an empty list, none.
	Live []string
	// Observer, when set, also receives the replay run's events.
	Observer engine.Observer
	// Ceiling caps the recorded budget field by field (zero fields: no
	// cap), for a host that replays recordings it did not make: a
	// recording is input, and its budget is whatever the file says. A
	// capped field is noted in the Report.
	Ceiling limits.Budget
}

// Report is what a replay found.
type Report struct {
	// Divergence is the first place the replay differs from the
	// recording; nil when it matches.
	Divergence *Divergence
	// Notes say what differs but is allowed: a changed script (how one
	// tests a fix against a recorded run) or policy.
	Notes []string
	// Result and Err are the replay run's own.
	Result *engine.Result
	Err    error
}

// Match reports whether the replay reproduced the recording.
func (r *Report) Match() bool { return r.Divergence == nil }

// Divergence is where a replay first differs from its recording.
type Divergence struct {
	// What differs: "call" (a host call's capability, args or decision),
	// "check" (a further use of a host call), "extra-call" (a call the
	// recording lacks), "missing-call" (the replay made fewer calls),
	// "outcome" (ok against an error), "value", "error", "steps" or
	// "logs".
	What string
	// Call is the index of the host call (0-based) for call, check,
	// extra-call and missing-call; Check the index of the further use.
	Call, Check int
	Capability  string
	// Field is the part that differs ("args.key", "decision", "rule",
	// "kind", "message", ...) and Want and Got the recorded and replayed
	// values, rendered.
	Field     string
	Want, Got string
}

func (d *Divergence) String() string {
	var b strings.Builder
	switch d.What {
	case "call", "extra-call", "missing-call":
		fmt.Fprintf(&b, "host call #%d (%s)", d.Call, d.Capability)
	case "check":
		fmt.Fprintf(&b, "host call #%d, further use #%d (%s)", d.Call, d.Check, d.Capability)
	default:
		b.WriteString(d.What)
	}
	switch d.What {
	case "extra-call":
		b.WriteString(": the recording has no such call (it has " + d.Want + ")")
		return b.String()
	case "missing-call":
		b.WriteString(": recorded, but the replay made only " + d.Got + " calls")
		return b.String()
	}
	if d.Field != "" {
		b.WriteString(": " + d.Field)
	}
	fmt.Fprintf(&b, ": recording %s, replay %s", d.Want, d.Got)
	return b.String()
}

// errDiverged ends a replay run at its first divergence.
var errDiverged = errors.New("the replay diverged from its recording")

// Replay runs script on host as rec recorded it: the recorded input, seed,
// clock, identity and budget, with every allowed host call answered from
// the recording (RunOptions.Answer) instead of the modules, except
// opts.Live. pol decides every call, as in the recorded run: a recording
// is replayed against a policy, which may be a changed one. A further use
// a host function asked the policy about is asked again, with its
// recorded args, so the policy, the host-call count and usage.calls see
// what the recorded run's did.
//
// The run stops at the first host call that differs from the recording
// (nothing recorded can answer it). The Report has the first divergence
// in run order: a host call (capability, args, decision), a call the
// recording lacks, fewer calls, then the outcome, value or error, the
// step count and the log. A redacted argument (a secret param) matches any
// value the replay passes, as long as one is passed.
//
// The error is for a replay that cannot be made (an incomplete recording,
// a nil host or script, a recorded call of a function the registry lacks,
// a host too busy to run it or a quarantined script); what the replay run
// did is in the Report.
func Replay(ctx context.Context, host *engine.Host, script *engine.Script, pol *policy.Policy, rec *Recording, opts ReplayOptions) (*Report, error) {
	switch {
	case host == nil || script == nil || rec == nil || opts.Registry == nil:
		return nil, errors.New("recording: Replay needs a host, a script, a recording and ReplayOptions.Registry")
	case rec.Incomplete != "":
		return nil, errors.New("recording: cannot replay an incomplete recording: " + rec.Incomplete)
	case rec.Version != Version:
		return nil, fmt.Errorf("recording: version %d; this scriptrun replays version %d", rec.Version, Version)
	}
	for i, c := range rec.Calls {
		if opts.Registry.Lookup(c.Capability) == nil {
			// The script's host object would lack it: the replay would
			// fail on the host, not on the script.
			return nil, fmt.Errorf("recording: calls[%d] is %s, which this host's modules do not provide", i, c.Capability)
		}
	}
	rep := &Report{}
	if script.SHA256() != rec.Script.SHA256 {
		rep.Notes = append(rep.Notes, fmt.Sprintf("the script differs from the recorded one (sha256 %s, recorded %s)",
			short(script.SHA256()), short(rec.Script.SHA256)))
	}
	if script.Lang() != rec.Script.Lang {
		rep.Notes = append(rep.Notes, fmt.Sprintf("the script is %s, the recorded one %s", script.Lang(), rec.Script.Lang))
	}
	recPol, replPol := "", ""
	if rec.Policy != nil {
		recPol = rec.Policy.Name
	}
	if pol != nil {
		replPol = pol.Name
	}
	if recPol != replPol || (rec.Policy == nil) != (pol == nil) {
		rep.Notes = append(rep.Notes, fmt.Sprintf("the policy is %q, the recorded one %q", replPol, recPol))
	}
	budget, err := limits.Resolve(limits.Budget{}, rec.Budget.Limits(), opts.Ceiling)
	if err != nil {
		return nil, fmt.Errorf("recording: %w", err)
	}
	if capped := cappedFields(rec.Budget, budgetOf(budget)); capped != "" {
		rep.Notes = append(rep.Notes, "the recorded budget is capped: "+capped)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	p := &replayer{rec: rec, cancel: cancel, live: map[string]bool{}, reg: opts.Registry}
	if opts.Live == nil {
		opts.Live = []string{"log"}
	}
	for _, l := range opts.Live {
		p.live[l] = true
	}
	ro := engine.RunOptions{
		Input:    rec.Input.V,
		Policy:   pol,
		Budget:   budget,
		Identity: engine.Identity{Tenant: rec.Identity.Tenant, Labels: rec.Identity.Labels},
		Seed:     rec.Seed,
		Now:      p.now,
		Observer: engine.Observers(p, opts.Observer),
		Answer:   p.answer,
	}
	res, err := host.Run(ctx, script, ro)
	var ee *engine.Error
	if errors.As(err, &ee) && (ee.Kind == engine.KindBusy || ee.Kind == engine.KindQuarantined) {
		// The host did not run it: nothing was replayed.
		return nil, fmt.Errorf("recording: the replay was not run: %w", err)
	}
	rep.Result, rep.Err = res, err
	p.mu.Lock()
	defer p.mu.Unlock()
	rep.Divergence = p.div
	if rep.Divergence == nil {
		rep.Divergence = p.after(res, err)
	}
	return rep, nil
}

func short(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}

// replayer answers a replay's calls and clock and compares its events with
// the recording as they come.
type replayer struct {
	rec    *Recording
	reg    *bridge.Registry
	live   map[string]bool
	cancel context.CancelCauseFunc

	mu    sync.Mutex
	next  int // the recorded call the replay's next call is compared with
	check int // the next further use of that call
	tick  int // the next clock read
	last  time.Time
	div   *Divergence
}

// diverge records the first divergence and stops the run. mu held.
func (p *replayer) diverge(d *Divergence) {
	if p.div == nil {
		p.div = d
		p.cancel(errDiverged)
	}
}

// now is the replay's clock: the reads recorded between the same two host
// calls, in order; past them, the last time read (the clock stands still).
func (p *replayer) now() time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	ck := p.rec.Clock
	for p.tick < len(ck) && ck[p.tick].Call < p.next {
		p.tick++
	}
	if p.tick < len(ck) && ck[p.tick].Call == p.next {
		p.last = ck[p.tick].Time
		p.tick++
	}
	if p.last.IsZero() {
		p.last = p.rec.Start
	}
	return p.last
}

func (p *replayer) RunStarted(*engine.RunInfo) {}

func (p *replayer) RunFinished(*engine.RunInfo, *engine.Result, error) {}

// HostCall compares each replayed call, and further use, with the
// recording.
func (p *replayer) HostCall(_ *engine.RunInfo, ev *bridge.CallEvent) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.div != nil {
		return
	}
	if ev.Call.Via != "" {
		if p.next >= len(p.rec.Calls) {
			return // the call itself is extra: answer says so
		}
		want := p.rec.Calls[p.next].Checks
		if p.check >= len(want) {
			p.diverge(&Divergence{What: "check", Call: p.next, Check: p.check, Capability: ev.Call.Capability,
				Field: "further use", Want: fmt.Sprintf("%d further uses", len(want)), Got: "another one"})
			return
		}
		if d := compareCall(&want[p.check], ev.Call.Capability, ev.Call.Args, nil, ev.Outcome, ev.Decision.Rule); d != nil {
			d.What, d.Call, d.Check = "check", p.next, p.check
			p.diverge(d)
		}
		p.check++
		return
	}
	if p.next >= len(p.rec.Calls) {
		p.diverge(&Divergence{What: "extra-call", Call: p.next, Capability: ev.Call.Capability, Check: -1,
			Want: strconv.Itoa(len(p.rec.Calls)) + " calls"})
		return
	}
	want := &p.rec.Calls[p.next]
	var pargs bridge.Args
	if want.PolicyArgs != nil {
		pargs = ev.Call.Args
	}
	d := compareCall(want, ev.Call.Capability, ev.Args, pargs, ev.Outcome, ev.Decision.Rule)
	if d == nil && p.check < len(want.Checks) {
		d = &Divergence{Capability: want.Checks[p.check].Capability, Field: "further uses",
			Want: strconv.Itoa(len(want.Checks)), Got: strconv.Itoa(p.check)}
		d.What, d.Check = "check", p.check
	}
	if d == nil && want.Error != nil && ev.Err != nil {
		d = compareCallError(want.Error, ev.Err)
	}
	if d != nil {
		if d.What == "" {
			d.What, d.Check = "call", -1
		}
		d.Call = p.next
		p.diverge(d)
		return
	}
	p.next++
	p.check = 0
}

// answer answers an allowed call from the recording.
func (p *replayer) answer(ctx context.Context, c *bridge.Call, args bridge.Args) (any, error) {
	p.mu.Lock()
	if p.div != nil {
		p.mu.Unlock()
		return nil, errDiverged
	}
	if p.next >= len(p.rec.Calls) {
		p.diverge(&Divergence{What: "extra-call", Call: p.next, Capability: c.Capability, Check: -1,
			Want: strconv.Itoa(len(p.rec.Calls)) + " calls"})
		p.mu.Unlock()
		return nil, errDiverged
	}
	want := &p.rec.Calls[p.next]
	var pargs bridge.Args
	if want.PolicyArgs != nil {
		pargs = c.Args
	}
	// The decision is compared when the call is observed; here what it
	// was asked with, so nothing recorded answers a different call.
	if d := compareCall(want, c.Capability, args, pargs, want.Outcome, want.Rule); d != nil {
		d.What, d.Call, d.Check = "call", p.next, -1
		p.diverge(d)
		p.mu.Unlock()
		return nil, errDiverged
	}
	if want.Outcome != "allow" && want.Outcome != "audit-deny" {
		p.diverge(&Divergence{What: "call", Call: p.next, Check: -1, Capability: c.Capability,
			Field: "decision", Want: want.Outcome, Got: "allow"})
		p.mu.Unlock()
		return nil, errDiverged
	}
	mod, _, _ := strings.Cut(c.Capability, ".")
	live := p.live[mod] || p.live[c.Capability]
	p.mu.Unlock()

	if live {
		if fn := p.reg.Lookup(c.Capability); fn != nil {
			return fn.Impl(ctx, args)
		}
	}
	// The further uses the function asked about, asked again: the policy
	// decides them, they count as host calls, and a denial or a budget
	// running out is the call's outcome, as it was.
	if run := bridge.RunFrom(ctx); run != nil {
		for _, ch := range want.Checks {
			if err := run.Check(ctx, ch.Capability, plainArgs(ch.Args)); err != nil {
				return nil, err
			}
		}
	}
	e := want.Error
	switch {
	case e == nil:
		if want.Result == nil {
			return nil, nil
		}
		return want.Result.V, nil
	case e.Kind == "stopped":
		// The recorded run was stopped while this call ran: so is this
		// one, when its own budget or caller stops it.
		<-ctx.Done()
		return nil, ctx.Err()
	case e.Kind == "limit" && (e.Limit == limits.Memory || e.Limit == limits.Logs):
		// The function charged the run's memory or log budget past its
		// end: charged again, over the same budget.
		if run := bridge.RunFrom(ctx); run != nil && run.Meter != nil {
			var err error
			if e.Limit == limits.Memory {
				err = run.Meter.AddMemory(p.rec.Budget.Memory + 1)
			} else {
				err = run.Meter.AddLog(p.rec.Budget.Logs + 1)
			}
			if err != nil {
				return nil, err
			}
		}
	case e.Kind == "host":
		he := &bridge.HostError{Capability: c.Capability, Msg: e.Message}
		if e.Cause != "" {
			he.Err = errors.New(e.Cause)
		}
		return nil, he
	}
	// A denial or limit came from a further use, which the replay's
	// policy allowed this time: HostCall reports the divergence.
	return nil, &bridge.HostError{Capability: c.Capability, Msg: "host function failed",
		Err: fmt.Errorf("replay: the recorded call failed with %s: %s", e.Kind, e.Message)}
}

// plainArgs turns recorded args back into bridge.Args; a redacted one
// (never a further use's, in practice) is passed as null.
func plainArgs(m map[string]Value) bridge.Args {
	out := make(bridge.Args, len(m))
	for k, v := range m {
		if !v.Redacted {
			out[k] = v.V
		}
	}
	return out
}

// compareCall compares a replayed call with a recorded one: capability,
// args (redacted ones as present), the policy's view of the args when
// recorded, the decision and the rule.
func compareCall(want *Call, capability string, args, pargs bridge.Args, outcome, rule string) *Divergence {
	d := &Divergence{Capability: capability}
	switch {
	case want.Capability != capability:
		d.Field, d.Want, d.Got = "capability", want.Capability, capability
		return d
	case !compareArgs(d, "args", want.Args, args):
		return d
	case want.PolicyArgs != nil && !compareArgs(d, "policyArgs", want.PolicyArgs, pargs):
		return d
	case want.Outcome != outcome:
		d.Field, d.Want, d.Got = "decision", want.Outcome, outcome
		return d
	case want.Rule != rule:
		d.Field, d.Want, d.Got = "rule", strconv.Quote(want.Rule), strconv.Quote(rule)
		return d
	}
	return nil
}

func compareArgs(d *Divergence, field string, want map[string]Value, got bridge.Args) bool {
	keys := make([]string, 0, len(want)+len(got))
	for k := range want {
		keys = append(keys, k)
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		w, wok := want[k]
		g, gok := got[k]
		switch {
		case !wok:
			d.Field, d.Want, d.Got = field+"."+k, "(absent)", format(Value{V: g})
		case !gok:
			d.Field, d.Want, d.Got = field+"."+k, format(w), "(absent)"
		case w.Redacted:
			continue // a secret: present is all a replay can check
		case !equal(w.V, g):
			d.Field, d.Want, d.Got = field+"."+k, format(w), format(Value{V: g})
		default:
			continue
		}
		return false
	}
	return true
}

// compareCallError compares a failed call's error with the recorded one.
func compareCallError(want *CallError, err error) *Divergence {
	got := callError(err)
	if want.Kind == "stopped" || want.Kind == "error" {
		return nil // the run's outcome tells
	}
	switch {
	case want.Kind != got.Kind:
		return &Divergence{Field: "error kind", Want: want.Kind, Got: got.Kind}
	case want.Message != got.Message:
		return &Divergence{Field: "error message", Want: strconv.Quote(want.Message), Got: strconv.Quote(got.Message)}
	}
	return nil
}

// after compares what is left once the run is over: calls the replay did
// not make, the outcome, the step count, the log.
func (p *replayer) after(res *engine.Result, err error) *Divergence {
	rec := p.rec
	if p.next < len(rec.Calls) {
		return &Divergence{What: "missing-call", Call: p.next, Check: -1, Capability: rec.Calls[p.next].Capability,
			Got: strconv.Itoa(p.next)}
	}
	d := &Divergence{Call: -1, Check: -1}
	if rec.Outcome.OK != (err == nil) {
		d.What = "outcome"
		if err == nil {
			d.Want, d.Got = "error "+describe(rec.Outcome.Error), "ok"
		} else {
			d.Want, d.Got = "ok", "error "+describe(errorOf(err))
		}
		return d
	}
	if err == nil {
		var want any
		if rec.Outcome.Value != nil {
			want = rec.Outcome.Value.V
		}
		if !equal(want, res.Value) {
			d.What, d.Want, d.Got = "value", format(Value{V: want}), format(Value{V: res.Value})
			return d
		}
	} else {
		w, g := rec.Outcome.Error, errorOf(err)
		for _, f := range [...]struct{ name, want, got string }{
			{"kind", w.Kind, g.Kind}, {"limit", w.Limit, g.Limit}, {"capability", w.Capability, g.Capability},
			{"rule", w.Rule, g.Rule}, {"message", w.Message, g.Message}, {"pos", w.Pos, g.Pos},
		} {
			if f.want != f.got {
				d.What, d.Field, d.Want, d.Got = "error", f.name, strconv.Quote(f.want), strconv.Quote(f.got)
				return d
			}
		}
	}
	if res != nil && res.Usage.Steps != rec.Usage.Steps {
		d.What, d.Want, d.Got = "steps", strconv.FormatInt(rec.Usage.Steps, 10), strconv.FormatInt(res.Usage.Steps, 10)
		return d
	}
	if res != nil {
		if d := compareLogs(rec.Logs, res.Logs); d != nil {
			return d
		}
	}
	return nil
}

func describe(e *Error) string {
	if e == nil {
		return "(none)"
	}
	s := e.Kind
	if e.Limit != "" {
		s += " (" + e.Limit + ")"
	}
	return s + ": " + strconv.Quote(e.Message)
}

func compareLogs(want []Log, got []engine.LogLine) *Divergence {
	for i := 0; i < max(len(want), len(got)); i++ {
		d := &Divergence{What: "logs", Call: -1, Check: -1, Field: "line " + strconv.Itoa(i)}
		switch {
		case i >= len(want):
			d.Want, d.Got = "(none)", strconv.Quote(got[i].Message)
			return d
		case i >= len(got):
			d.Want, d.Got = strconv.Quote(want[i].Message), "(none)"
			return d
		}
		w, g := want[i], got[i]
		fields := map[string]any(nil)
		if w.Fields != nil {
			fields = make(map[string]any, len(w.Fields))
			for k, v := range w.Fields {
				fields[k] = v.V
			}
		}
		if w.Level != g.Level || w.Message != g.Message || (len(fields) > 0 || len(g.Fields) > 0) && !equal(fields, g.Fields) {
			d.Want = w.Level + " " + strconv.Quote(w.Message)
			d.Got = g.Level + " " + strconv.Quote(g.Message)
			return d
		}
	}
	return nil
}

// cappedFields lists the fields of got below the recorded ones.
func cappedFields(rec, got Budget) string {
	var out []string
	for _, f := range limits.Fields() {
		if r, g := f.Get(rec.Limits()), f.Get(got.Limits()); r != g {
			out = append(out, fmt.Sprintf("%s %s (recorded %s)", f.Name, f.Format(g), f.Format(r)))
		}
	}
	return strings.Join(out, ", ")
}
