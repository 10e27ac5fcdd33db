package engine_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/limits"
)

// limitsLong lets a held run wait as long as a test needs.
var limitsLong = limits.Budget{Timeout: time.Minute}

// gateBackend's runs report that they started and then wait until the
// test lets them go: runs that hold their admission slot for as long as a
// test wants.
type gateBackend struct {
	started chan string   // the run's input, when it runs
	release chan struct{} // one receive per run that ends
}

func (gateBackend) Lang() string { return "gate" }

func (gateBackend) Compile(engine.Source, engine.CompileLimits) (engine.Program, error) {
	return struct{}{}, nil
}

func (b gateBackend) Run(ctx context.Context, _ engine.Program, env *engine.Env) (any, error) {
	b.started <- env.Input.(string)
	select {
	case <-b.release:
		return env.Input, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func newGateHost(t *testing.T, a engine.Admission) (*engine.Host, *engine.Script, gateBackend) {
	t.Helper()
	b := gateBackend{started: make(chan string, 100), release: make(chan struct{})}
	h, err := engine.NewHost(engine.Config{Backends: []engine.Backend{b}, Admission: a})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	s, err := h.Compile(engine.Source{Name: "gate", Lang: "gate"})
	if err != nil {
		t.Fatal(err)
	}
	return h, s, b
}

// runAsync starts a run of tenant with input id and returns its error.
func runAsync(h *engine.Host, s *engine.Script, tenant, id string) <-chan error {
	done := make(chan error, 1)
	go func() {
		_, err := h.Run(context.Background(), s, engine.RunOptions{Input: id, Identity: engine.Identity{Tenant: tenant},
			Budget: limitsLong})
		done <- err
	}()
	return done
}

func waitFor(t *testing.T, h *engine.Host, running, waiting int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if st := h.Admission(); st.Running == running && st.Waiting == waiting {
			return
		}
	}
	t.Fatalf("admission %+v, want %d running and %d waiting", h.Admission(), running, waiting)
}

// Past MaxRuns a run waits MaxWait and is then refused as busy; it never
// started, and the slots it waited for are intact.
func TestAdmissionBusy(t *testing.T) {
	h, s, b := newGateHost(t, engine.Admission{MaxRuns: 2, MaxWait: 50 * time.Millisecond})
	r1, r2 := runAsync(h, s, "a", "1"), runAsync(h, s, "b", "2")
	<-b.started
	<-b.started
	_, err := h.Run(context.Background(), s, engine.RunOptions{Input: "3", Identity: engine.Identity{Tenant: "c"}})
	var e *engine.Error
	if !errors.As(err, &e) || e.Kind != engine.KindBusy || !errors.Is(err, engine.ErrBusy) {
		t.Fatalf("third run: %v, want a busy error", err)
	}
	if want := "the host is busy: 2 runs going on (limit 2); waited 50ms for a slot"; e.Message != want {
		t.Errorf("message %q, want %q", e.Message, want)
	}
	if st := h.Admission(); st.Refused != 1 || st.Running != 2 || st.Waiting != 0 {
		t.Errorf("stats %+v", st)
	}
	b.release <- struct{}{}
	b.release <- struct{}{}
	for _, r := range []<-chan error{r1, r2} {
		if err := <-r; err != nil {
			t.Error(err)
		}
	}
	waitFor(t, h, 0, 0)
	// The slots are back: a run goes straight in.
	go func() { <-b.started; b.release <- struct{}{} }()
	if _, err := h.Run(context.Background(), s, engine.RunOptions{Input: "4"}); err != nil {
		t.Error(err)
	}
}

// Waiting runs are admitted one tenant at a time in turn: a tenant with
// one waiting run goes before a flooding tenant's second.
func TestAdmissionFairness(t *testing.T) {
	h, s, b := newGateHost(t, engine.Admission{MaxRuns: 1, MaxWait: time.Minute})
	var errs []<-chan error
	errs = append(errs, runAsync(h, s, "flood", "f0"))
	if got := <-b.started; got != "f0" {
		t.Fatalf("first run %s", got)
	}
	for i, id := range []string{"f1", "f2", "f3"} {
		errs = append(errs, runAsync(h, s, "flood", id))
		waitFor(t, h, 1, i+1)
	}
	errs = append(errs, runAsync(h, s, "calm", "c1"))
	waitFor(t, h, 1, 4)
	var order []string
	for range 4 {
		b.release <- struct{}{}
		order = append(order, <-b.started)
	}
	b.release <- struct{}{}
	want := []string{"f1", "c1", "f2", "f3"}
	for i := range want {
		if order[i] != want[i] {
			t.Fatalf("admitted in the order %v, want %v", order, want)
		}
	}
	for _, r := range errs {
		if err := <-r; err != nil {
			t.Error(err)
		}
	}
}

// A tenant at its own bound waits while another tenant's run goes in; a
// cancelled wait ends at once as busy, with the ctx's cause.
func TestAdmissionPerTenant(t *testing.T) {
	h, s, b := newGateHost(t, engine.Admission{MaxRuns: 4, MaxRunsPerTenant: 1, MaxWait: time.Minute})
	a1 := runAsync(h, s, "a", "a1")
	<-b.started
	ctx, cancel := context.WithCancel(context.Background())
	a2 := make(chan error, 1)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, err := h.Run(ctx, s, engine.RunOptions{Input: "a2", Identity: engine.Identity{Tenant: "a"}})
		a2 <- err
	}()
	waitFor(t, h, 1, 1)
	b1 := runAsync(h, s, "b", "b1")
	if got := <-b.started; got != "b1" {
		t.Fatalf("started %s, want b1", got)
	}
	cancel()
	err := <-a2
	if !errors.Is(err, engine.ErrBusy) || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled wait: %v", err)
	}
	b.release <- struct{}{}
	b.release <- struct{}{}
	if err := <-a1; err != nil {
		t.Error(err)
	}
	if err := <-b1; err != nil {
		t.Error(err)
	}
	waitFor(t, h, 0, 0)
}
