package contain_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/scriptrun/scriptrun/bridge"
	"github.com/scriptrun/scriptrun/contain"
	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/limits"
	"github.com/scriptrun/scriptrun/policy"
)

// clock is a fake clock safe for concurrent use.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// nopBackend compiles anything; the Monitor tests need *engine.Script
// values, not runs.
type nopBackend struct{}

func (nopBackend) Lang() string { return "nop" }
func (nopBackend) Compile(engine.Source, engine.CompileLimits) (engine.Program, error) {
	return struct{}{}, nil
}
func (nopBackend) Run(context.Context, engine.Program, *engine.Env) (any, error) { return nil, nil }

type fixture struct {
	t     *testing.T
	clk   *clock
	mon   *contain.Monitor
	log   *bytes.Buffer
	host  *engine.Host
	pol   *policy.Policy
	acted []string
	mu    sync.Mutex
}

func newFixture(t *testing.T, polSrc string, cfg contain.Config) *fixture {
	t.Helper()
	f := &fixture{t: t, clk: &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}, log: &bytes.Buffer{}}
	log := zerolog.New(zerolog.SyncWriter(f.log))
	cfg.Logger, cfg.Now = &log, f.clk.Now
	cfg.OnAction = func(ev string, a contain.Action) {
		f.mu.Lock()
		f.acted = append(f.acted, ev+":"+a.Rule)
		f.mu.Unlock()
	}
	mon, err := contain.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	f.mon = mon
	f.host, err = engine.NewHost(engine.Config{Backends: []engine.Backend{nopBackend{}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.host.Close() })
	if polSrc != "" {
		f.pol, err = policy.Parse("p.yaml", []byte(polSrc), policy.Options{})
		if err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func (f *fixture) script(name, code string) *engine.Script {
	s, err := f.host.Compile(engine.Source{Name: name, Lang: "nop", Code: code})
	if err != nil {
		f.t.Fatal(err)
	}
	return s
}

func (f *fixture) info(tenant string, s *engine.Script) *engine.RunInfo {
	return &engine.RunInfo{Script: s, Identity: engine.Identity{Tenant: tenant}, Policy: f.pol, Start: f.clk.Now()}
}

// run drives one synthetic run through the monitor: Admit, RunStarted,
// the host calls (capability, outcome, url), RunFinished with err and
// usage. It returns Admit's error and the revocations seen before each call.
func (f *fixture) run(r *engine.RunInfo, calls [][3]string, u limits.Usage, err error) (engine.Hold, error, []bool) {
	hold, aerr := f.mon.Admit(r)
	f.mon.RunStarted(r)
	if aerr != nil {
		f.mon.RunFinished(r, &engine.Result{}, aerr)
		return hold, aerr, nil
	}
	var revoked []bool
	for _, c := range calls {
		_, rv := f.mon.Revoked(r, c[0])
		revoked = append(revoked, rv)
		args := bridge.Args{}
		if c[2] != "" {
			args["url"] = c[2]
		}
		f.mon.HostCall(r, &bridge.CallEvent{Call: &bridge.Call{Capability: c[0], Args: args}, Outcome: c[1]})
	}
	f.mon.RunFinished(r, &engine.Result{Usage: u}, err)
	return hold, nil, revoked
}

func (f *fixture) events(name string) []map[string]any {
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(f.log.String()), "\n") {
		if l == "" {
			continue
		}
		var ev map[string]any
		if err := json.Unmarshal([]byte(l), &ev); err != nil {
			f.t.Fatalf("log line %q: %v", l, err)
		}
		if ev["event"] == name {
			out = append(out, ev)
		}
	}
	return out
}

var failed = &engine.Error{Kind: engine.KindRuntime, Message: "boom"}

const crashPolicy = `name: p
containment:
  rules:
    - name: crash-loop
      when: stats.failureStreak >= 3
      action: quarantine
      for: 1h
`

// A script that fails three times in a row is quarantined: its runs are
// refused, also after it is uploaded again under the same name, until the
// operator lifts the action; then it runs with a clean slate.
func TestQuarantineAndLift(t *testing.T) {
	f := newFixture(t, crashPolicy, contain.Config{})
	s := f.script("job.js", "v1")
	for i := 0; i < 2; i++ {
		f.run(f.info("acme", s), nil, limits.Usage{}, failed)
	}
	f.run(f.info("acme", s), nil, limits.Usage{}, nil) // a success ends the streak
	for i := 0; i < 2; i++ {
		f.run(f.info("acme", s), nil, limits.Usage{}, failed)
	}
	if acts := f.mon.Actions(); len(acts) != 0 {
		t.Fatalf("actions after a broken streak: %+v", acts)
	}
	f.run(f.info("acme", s), nil, limits.Usage{}, failed)
	acts := f.mon.Actions()
	if len(acts) != 1 || acts[0].Kind != policy.Quarantine || acts[0].Rule != "crash-loop" || acts[0].Key != (contain.Key{Tenant: "acme", Script: "job.js"}) ||
		!acts[0].Until.Equal(f.clk.Now().Add(time.Hour)) || !strings.Contains(acts[0].Reason, "failureStreak 3") {
		t.Fatalf("actions %+v; want one quarantine of acme/job.js for 1h", acts)
	}
	st, _ := f.mon.Stats(contain.Key{Tenant: "acme", Script: "job.js"})
	if st.Runs != 6 || st.Failures != 5 || st.FailuresByKind["runtime"] != 5 || st.FailureStreak != 3 {
		t.Errorf("stats %+v", st)
	}

	// Refused, with a distinct error; a new version under the same name
	// too; another tenant's script of the same name is not.
	v2 := f.script("job.js", "v2")
	for _, s := range []*engine.Script{s, v2} {
		_, err, _ := f.run(f.info("acme", s), nil, limits.Usage{}, nil)
		var e *engine.Error
		if !errors.Is(err, engine.ErrQuarantined) || !errors.As(err, &e) || e.Rule != "containment:crash-loop" || !strings.Contains(e.Message, "quarantined") {
			t.Errorf("quarantined run: %v; want a quarantined error naming containment:crash-loop", err)
		}
	}
	if _, err, _ := f.run(f.info("other", s), nil, limits.Usage{}, nil); err != nil {
		t.Errorf("another tenant's job.js: %v", err)
	}
	// Refused runs are not counted.
	if st, _ := f.mon.Stats(contain.Key{Tenant: "acme", Script: "job.js"}); st.Runs != 6 {
		t.Errorf("refused runs counted: %d runs", st.Runs)
	}

	if err := f.mon.Lift("nope"); !errors.Is(err, contain.ErrNoAction) {
		t.Errorf("Lift(nope) = %v", err)
	}
	if err := f.mon.Lift(acts[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err, _ := f.run(f.info("acme", v2), nil, limits.Usage{}, failed); err != nil {
		t.Errorf("lifted: %v", err)
	}
	// The streak started afresh: one failure is not three.
	if acts := f.mon.Actions(); len(acts) != 0 {
		t.Errorf("actions after lift and one failure: %+v", acts)
	}
	if got := strings.Join(f.acted, " "); got != "containment.quarantine:crash-loop containment.lifted:crash-loop" {
		t.Errorf("OnAction saw %q", got)
	}
	q := f.events("containment.quarantine")
	if len(q) != 1 || q[0]["tenant"] != "acme" || q[0]["script"] != "job.js" || q[0]["rule"] != "crash-loop" || q[0]["mode"] != "enforce" || q[0]["level"] != "warn" {
		t.Errorf("containment.quarantine events %v", q)
	}
	if l := f.events("containment.lifted"); len(l) != 1 || l[0]["action"] != acts[0].ID {
		t.Errorf("containment.lifted events %v", l)
	}
}

// An action expires after its duration, and the window forgets old runs.
func TestExpiryAndWindow(t *testing.T) {
	f := newFixture(t, `name: p
containment:
  window: 10m
  rules:
    - name: flaky
      when: stats.failures >= 3
      action: quarantine
      for: 30m
`, contain.Config{})
	s := f.script("job.js", "")
	k := contain.Key{Tenant: "acme", Script: "job.js"}
	// Two failures, then eleven minutes: they leave the window.
	f.run(f.info("acme", s), nil, limits.Usage{}, failed)
	f.run(f.info("acme", s), nil, limits.Usage{}, failed)
	f.clk.Add(11 * time.Minute)
	f.run(f.info("acme", s), nil, limits.Usage{}, failed)
	if st, _ := f.mon.Stats(k); st.Failures != 1 || st.History.Failures != 3 || len(f.mon.Actions()) != 0 {
		t.Fatalf("stats %+v, actions %+v; want 1 failure in the window, 3 in the history, no action", st, f.mon.Actions())
	}
	f.run(f.info("acme", s), nil, limits.Usage{}, failed)
	f.run(f.info("acme", s), nil, limits.Usage{}, failed)
	if len(f.mon.Actions()) != 1 {
		t.Fatalf("no quarantine after 3 failures in the window")
	}
	f.clk.Add(29 * time.Minute)
	if _, err, _ := f.run(f.info("acme", s), nil, limits.Usage{}, nil); !errors.Is(err, engine.ErrQuarantined) {
		t.Errorf("at 29m: %v, want quarantined", err)
	}
	f.clk.Add(time.Minute)
	if _, err, _ := f.run(f.info("acme", s), nil, limits.Usage{}, failed); err != nil {
		t.Errorf("at 30m: %v, want admitted", err)
	}
	if len(f.mon.Actions()) != 0 || len(f.events("containment.expired")) != 1 {
		t.Errorf("actions %+v, expired events %v", f.mon.Actions(), f.events("containment.expired"))
	}
	if st, _ := f.mon.Stats(k); st.Failures != 1 {
		t.Errorf("after expiry the window holds %d failures, want 1 (a fresh start)", st.Failures)
	}
}

const denyPolicy = `name: p
containment:
  rules:
    - name: denial-spike
      when: stats.denials >= 3 && stats.denialRate > 0.5
      action: revoke
      revoke: [kv.*]
      for: 15m
`

// A script that starts denying loses the capability mid-run: from the
// host call after the one that fired the rule. Other capabilities and
// other scripts keep theirs.
func TestRevokeMidRun(t *testing.T) {
	f := newFixture(t, denyPolicy, contain.Config{})
	s := f.script("job.js", "")
	calls := [][3]string{{"kv.get", "allow"}, {"kv.get", "deny"}, {"kv.get", "deny"}, {"kv.get", "deny"}, {"kv.get", "allow"}, {"log.info", "allow"}}
	_, _, revoked := f.run(f.info("acme", s), calls, limits.Usage{}, nil)
	if fmt.Sprint(revoked) != "[false false false false true false]" {
		t.Errorf("revoked before each call: %v; want only the kv call after the third denial", revoked)
	}
	r := f.info("acme", s)
	rev, ok := f.mon.Revoked(r, "kv.set")
	if !ok || rev.Rule != "containment:denial-spike" || !strings.Contains(rev.Message, "kv.set is revoked") {
		t.Errorf("Revoked(kv.set) = %+v, %v", rev, ok)
	}
	if _, ok := f.mon.Revoked(f.info("acme", f.script("other.js", "")), "kv.get"); ok {
		t.Error("another script lost kv.get")
	}
	f.clk.Add(15 * time.Minute)
	if _, ok := f.mon.Revoked(r, "kv.get"); ok {
		t.Error("still revoked after 15m")
	}
}

// In audit mode the actions are logged and listed, not taken.
func TestAuditMode(t *testing.T) {
	f := newFixture(t, strings.Replace(denyPolicy, "containment:\n", "containment:\n  mode: audit\n", 1), contain.Config{})
	s := f.script("job.js", "")
	calls := [][3]string{{"kv.get", "deny"}, {"kv.get", "deny"}, {"kv.get", "deny"}, {"kv.get", "allow"}}
	_, _, revoked := f.run(f.info("acme", s), calls, limits.Usage{}, nil)
	if fmt.Sprint(revoked) != "[false false false false]" {
		t.Errorf("audit mode revoked: %v", revoked)
	}
	acts := f.mon.Actions()
	ev := f.events("containment.revoke")
	if len(acts) != 1 || !acts[0].Audit || len(ev) != 1 || ev[0]["mode"] != "audit" {
		t.Errorf("actions %+v, events %v; want one audit-mode revoke, logged", acts, ev)
	}
}

// CPU far above the script's own history tightens its budget; a host never
// seen before warns once per the warn's duration.
func TestTightenAndNewHost(t *testing.T) {
	f := newFixture(t, `name: p
containment:
  window: 10m
  history: 24h
  rules:
    - name: cpu-hog
      when: stats.history.runs >= 10 && stats.runs >= 2 && stats.cpu.mean > 4.0 * stats.history.cpu.mean
      action: tighten
      limits: {cpu: 100ms, hostCalls: 5}
      for: 30m
    - name: new-host
      when: stats.history.runs >= 5 && size(stats.newHosts) > 0
      action: warn
      for: 1h
`, contain.Config{})
	s := f.script("job.js", "")
	// A long quiet history: 20 runs of 10ms, an hour apart.
	for i := 0; i < 20; i++ {
		f.run(f.info("acme", s), [][3]string{{"http.get", "allow", "https://api.partner.example/x"}}, limits.Usage{CPUMs: 10}, nil)
		f.clk.Add(time.Hour)
	}
	if n := len(f.mon.Actions()); n != 0 {
		t.Fatalf("%d actions after a quiet history", n)
	}
	// Then it burns CPU.
	for i := 0; i < 3; i++ {
		f.run(f.info("acme", s), nil, limits.Usage{CPUMs: 900}, nil)
	}
	hold, err, _ := f.run(f.info("acme", s), nil, limits.Usage{}, nil)
	if err != nil || hold.Budget.CPU != 100*time.Millisecond || hold.Budget.HostCalls != 5 || fmt.Sprint(hold.Rules) != "[containment:cpu-hog]" {
		t.Errorf("hold %+v, %v; want cpu 100ms, hostCalls 5 from containment:cpu-hog", hold, err)
	}
	// A new host: one warning, not one per call.
	for i := 0; i < 3; i++ {
		f.run(f.info("acme", s), [][3]string{{"http.get", "allow", "https://EVIL.example:8443/a"}, {"http.get", "allow", "https://api.partner.example/y"}}, limits.Usage{}, nil)
	}
	w := f.events("containment.warn")
	if len(w) != 1 || w[0]["rule"] != "new-host" || !strings.Contains(w[0]["reason"].(string), "newHosts") {
		t.Errorf("warn events %v", w)
	}
	st, _ := f.mon.Stats(contain.Key{Tenant: "acme", Script: "job.js"})
	if fmt.Sprint(st.Hosts) != "[api.partner.example evil.example]" || fmt.Sprint(st.Capabilities) != "[http.get]" {
		t.Errorf("hosts %v, capabilities %v", st.Hosts, st.Capabilities)
	}
}

// Bounded memory: a tenant making up script names forgets its own oldest
// records, not other tenants'; actions outlive the records.
func TestBounds(t *testing.T) {
	f := newFixture(t, crashPolicy, contain.Config{MaxScripts: 20, MaxScriptsPerTenant: 5})
	victim := f.script("job.js", "")
	for i := 0; i < 3; i++ {
		f.run(f.info("acme", victim), nil, limits.Usage{}, failed)
	}
	for i := 0; i < 100; i++ {
		f.run(f.info("mallory", f.script(fmt.Sprintf("s%d.js", i), "")), nil, limits.Usage{}, nil)
	}
	if _, ok := f.mon.Stats(contain.Key{Tenant: "acme", Script: "job.js"}); !ok {
		t.Error("acme's record was evicted by mallory's names")
	}
	n := 0
	for i := 0; i < 100; i++ {
		if _, ok := f.mon.Stats(contain.Key{Tenant: "mallory", Script: fmt.Sprintf("s%d.js", i)}); ok {
			n++
		}
	}
	if n != 5 {
		t.Errorf("mallory has %d records, want 5", n)
	}
	// Another 30 tenants: the global bound evicts acme's record, but the
	// quarantine stays.
	for i := 0; i < 30; i++ {
		f.run(f.info(fmt.Sprintf("t%d", i), victim), nil, limits.Usage{}, nil)
	}
	if _, ok := f.mon.Stats(contain.Key{Tenant: "acme", Script: "job.js"}); ok {
		t.Error("acme's record survived 30 newer tenants with MaxScripts 20")
	}
	if _, err, _ := f.run(f.info("acme", victim), nil, limits.Usage{}, nil); !errors.Is(err, engine.ErrQuarantined) {
		t.Errorf("evicted record's quarantine: %v", err)
	}
}

// Actions are bounded per tenant: a tenant's flood of actions drops its
// own, not another tenant's quarantine.
func TestActionBounds(t *testing.T) {
	f := newFixture(t, crashPolicy, contain.Config{MaxActions: 100, MaxScriptsPerTenant: 3})
	for _, tenant := range []string{"acme", "mallory"} {
		for i := 0; i < 6; i++ {
			s := f.script(fmt.Sprintf("s%d.js", i), "")
			for j := 0; j < 3; j++ {
				f.run(f.info(tenant, s), nil, limits.Usage{}, failed)
				f.clk.Add(time.Second)
			}
		}
	}
	per := map[string]int{}
	for _, a := range f.mon.Actions() {
		per[a.Key.Tenant]++
	}
	if per["acme"] != 3 || per["mallory"] != 3 || len(f.events("containment.dropped")) != 6 {
		t.Errorf("actions per tenant %v, dropped %d; want 3 each, 6 dropped", per, len(f.events("containment.dropped")))
	}
}

// Many runs at once, with lifts and the clock moving: no race, no lost
// counts (run with -race).
func TestConcurrent(t *testing.T) {
	f := newFixture(t, denyPolicy, contain.Config{})
	scripts := []*engine.Script{f.script("a.js", ""), f.script("b.js", "")}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				s := scripts[i%2]
				f.run(f.info("acme", s), [][3]string{{"kv.get", "deny"}, {"kv.set", "allow"}}, limits.Usage{CPUMs: 1}, nil)
				if i%50 == 0 {
					for _, a := range f.mon.Actions() {
						_ = f.mon.Lift(a.ID)
					}
					f.clk.Add(time.Second)
				}
			}
		}()
	}
	wg.Wait()
	st, _ := f.mon.Stats(contain.Key{Tenant: "acme", Script: "a.js"})
	if st.History.Runs != 800 {
		t.Errorf("a.js: %d runs in the history, want 800", st.History.Runs)
	}
}
