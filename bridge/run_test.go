package bridge

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rs/zerolog"
)

// recGate allows a call unless its args have deny: true; it records what
// it saw and fails with errBudget after max checks.
type recGate struct {
	mu   sync.Mutex
	seen []*Call
	max  int
}

var errBudget = errors.New("host-call budget gone")

func (g *recGate) Check(_ context.Context, c *Call) (Decision, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.max > 0 && len(g.seen) >= g.max {
		return Decision{}, errBudget
	}
	g.seen = append(g.seen, c)
	if d, _ := c.Args["deny"].(bool); d {
		return Decision{Rule: "no", Message: "denied hop"}, nil
	}
	return Decision{Allow: true, Rule: "yes"}, nil
}

// meter is a Meter with small budgets.
type meter struct{ logs, mem, logMax, memMax int64 }

var errOver = errors.New("over budget")

func (m *meter) AddLog(n int64) error {
	if m.logs+n > m.logMax {
		return errOver
	}
	m.logs += n
	return nil
}

func (m *meter) AddMemory(n int64) error {
	if m.mem+n > m.memMax {
		return errOver
	}
	m.mem += n
	return nil
}

func hopModule(after func(ctx context.Context, err error) (any, error)) *Module {
	return &Module{Name: "t", Funcs: []*Func{{
		Name:   "hop",
		Params: []Param{{Name: "hops", Type: List}},
		Impl: func(ctx context.Context, a Args) (any, error) {
			r := RunFrom(ctx)
			for _, h := range a["hops"].([]any) {
				if err := r.Check(ctx, "t.hop", Args{"url": h, "deny": h == "bad"}); err != nil {
					return after(ctx, err)
				}
			}
			r.Annotate(ctx, "address", "192.0.2.1:443")
			r.Annotate(ctx, "decision", "forged") // reserved: ignored
			return "ok", nil
		},
		PolicyArgs: func(a Args) (Args, error) {
			if len(a["hops"].([]any)) > 3 {
				return nil, Message("at most 3 hops")
			}
			return Args{"count": int64(len(a["hops"].([]any)))}, nil
		},
	}}}
}

func newDispatcher(t *testing.T, g Gate, m *Module, log *bytes.Buffer) *Dispatcher {
	t.Helper()
	reg, err := NewRegistry(m)
	if err != nil {
		t.Fatal(err)
	}
	return &Dispatcher{Registry: reg, Gate: g, Log: zerolog.New(log)}
}

func auditEvents(t *testing.T, log *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(log.String()), "\n") {
		var ev map[string]any
		if err := json.Unmarshal([]byte(l), &ev); err != nil {
			t.Fatalf("audit line %q: %v", l, err)
		}
		if ev["event"] == "host.call" {
			out = append(out, ev)
		}
	}
	return out
}

func TestRunCheck(t *testing.T) {
	swallow := func(ctx context.Context, err error) (any, error) { return "ignored the denial", nil }
	var log bytes.Buffer
	g := &recGate{}
	d := newDispatcher(t, g, hopModule(swallow), &log)
	ctx := WithRun(context.Background(), &Run{})

	res, err := d.Call(ctx, "t.hop", []any{[]any{"a", "b"}})
	if err != nil || res != "ok" {
		t.Fatalf("two allowed hops: %v, %v", res, err)
	}
	// The gate saw the call with its PolicyArgs view, then each hop with Via.
	var got []string
	for _, c := range g.seen {
		got = append(got, c.Capability+" via="+c.Via+" "+TypeName(c.Args["count"])+"/"+c.Args.String("url"))
	}
	want := []string{"t.hop via= int/", "t.hop via=t.hop null/a", "t.hop via=t.hop null/b"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("gate saw (-want +got):\n%s", diff)
	}
	evs := auditEvents(t, &log)
	if len(evs) != 3 {
		t.Fatalf("%d host.call events, want 3 (two hops, the call): %v", len(evs), evs)
	}
	if evs[0]["via"] != "t.hop" || evs[0]["decision"] != "allow" || evs[2]["via"] != nil {
		t.Errorf("hop events %v; call event %v", evs[0], evs[2])
	}
	if evs[2]["address"] != "192.0.2.1:443" || evs[2]["decision"] != "allow" {
		t.Errorf("call event: address %v, decision %v; want the annotation and allow", evs[2]["address"], evs[2]["decision"])
	}

	// A denied hop fails the call as denied, though the function swallowed it.
	log.Reset()
	res, err = d.Call(ctx, "t.hop", []any{[]any{"a", "bad", "c"}})
	var de *DeniedError
	if !errors.As(err, &de) || de.Capability != "t.hop" || de.Rule != "no" || res != nil {
		t.Fatalf("denied hop: %v, %v; want a DeniedError by rule no", res, err)
	}
	evs = auditEvents(t, &log)
	if len(evs) != 3 || evs[1]["decision"] != "deny" || evs[2]["error"] == nil {
		t.Errorf("events %v; want allow, deny (the hop), then the call with its error", evs)
	}

	// PolicyArgs refusing the call is an argument error before the gate.
	n := len(g.seen)
	if _, err := d.Call(ctx, "t.hop", []any{[]any{"a", "b", "c", "d"}}); !errors.As(err, new(*ArgError)) || !strings.Contains(err.Error(), "at most 3 hops") {
		t.Errorf("4 hops: %v; want an ArgError from PolicyArgs", err)
	}
	if len(g.seen) != n {
		t.Errorf("the gate was asked about a call PolicyArgs refused")
	}

	// The gate's error (budget gone) is final too.
	g.max = len(g.seen) + 2
	if _, err := d.Call(ctx, "t.hop", []any{[]any{"a", "b"}}); !errors.Is(err, errBudget) {
		t.Errorf("budget gone at the second hop: %v; want errBudget", err)
	}

	// Outside a host call Check refuses.
	if err := (&Run{}).Check(ctx, "t.hop", nil); err == nil {
		t.Error("Check outside a call succeeded")
	}
}

func TestRunCheckAfterReturn(t *testing.T) {
	var kept context.Context
	m := &Module{Name: "t", Funcs: []*Func{{Name: "keep", Impl: func(ctx context.Context, a Args) (any, error) {
		kept = ctx
		return nil, nil
	}}}}
	g := &recGate{}
	d := newDispatcher(t, g, m, &bytes.Buffer{})
	if _, err := d.Call(WithRun(context.Background(), &Run{}), "t.keep", nil); err != nil {
		t.Fatal(err)
	}
	if err := RunFrom(kept).Check(kept, "t.keep", nil); err == nil || len(g.seen) != 1 {
		t.Errorf("Check after the call returned: %v, gate asked %d times; want a refusal, 1", err, len(g.seen))
	}
}

func TestRunCharge(t *testing.T) {
	m := &meter{logMax: 40, memMax: 100}
	var lines []LogLine
	run := &Run{Meter: m, Logger: func(l LogLine) { lines = append(lines, l) }}
	mod := &Module{Name: "t", Funcs: []*Func{
		{Name: "grab", Params: []Param{{Name: "n", Type: Int}}, Impl: func(ctx context.Context, a Args) (any, error) {
			if err := RunFrom(ctx).ChargeMemory(ctx, a.Int("n")); err != nil {
				return nil, Message("swallowed: " + err.Error()) // the charge error wins anyway
			}
			return a.Int("n"), nil
		}},
		{Name: "say", Params: []Param{{Name: "m", Type: String}}, Impl: func(ctx context.Context, a Args) (any, error) {
			return nil, RunFrom(ctx).Log(ctx, "info", a.String("m"), map[string]any{"k": "v"})
		}},
	}}
	d := newDispatcher(t, &recGate{}, mod, &bytes.Buffer{})
	ctx := WithRun(context.Background(), run)
	if _, err := d.Call(ctx, "t.grab", []any{int64(60)}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Call(ctx, "t.grab", []any{int64(60)}); !errors.Is(err, errOver) {
		t.Errorf("grab over the memory budget: %v; want the meter's error", err)
	}
	if _, err := d.Call(ctx, "t.say", []any{"hello"}); err != nil {
		t.Fatal(err)
	}
	// "hello" + newline + {"k":"v"} (Size 9... as Size counts it)
	if want := int64(len("hello")) + 1 + Size(map[string]any{"k": "v"}); m.logs != want {
		t.Errorf("log bytes charged %d, want %d", m.logs, want)
	}
	if diff := cmp.Diff([]LogLine{{Level: "info", Message: "hello", Fields: map[string]any{"k": "v"}}}, lines); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
	if _, err := d.Call(ctx, "t.say", []any{strings.Repeat("x", 40)}); !errors.Is(err, errOver) || len(lines) != 1 {
		t.Errorf("log over budget: %v, %d lines; want the meter's error and nothing written", err, len(lines))
	}
}

func TestRunState(t *testing.T) {
	type key struct{}
	r := &Run{}
	n := 0
	mk := func() any { n++; return new(int) }
	a, b := r.State(key{}, mk), r.State(key{}, mk)
	if a != b || n != 1 {
		t.Errorf("State made %d values; want one, shared", n)
	}
}

// Observe is told each further use (Via set) when the gate decides it,
// before the call it is part of.
func TestRunCheckObserved(t *testing.T) {
	swallow := func(ctx context.Context, err error) (any, error) { return "ignored the denial", nil }
	var log bytes.Buffer
	d := newDispatcher(t, &recGate{}, hopModule(swallow), &log)
	var got []string
	d.Observe = func(ev *CallEvent) {
		got = append(got, ev.Call.Capability+" via="+ev.Call.Via+" "+ev.Outcome+" url="+ev.Args.String("url")+" err="+strconv.FormatBool(ev.Err != nil))
	}
	ctx := WithRun(context.Background(), &Run{})
	if _, err := d.Call(ctx, "t.hop", []any{[]any{"a", "bad", "c"}}); err == nil {
		t.Fatal("denied hop: no error")
	}
	want := []string{
		"t.hop via=t.hop allow url=a err=false",
		"t.hop via=t.hop deny url=bad err=true",
		"t.hop via= allow url= err=true",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("observed (-want +got):\n%s", diff)
	}
}
