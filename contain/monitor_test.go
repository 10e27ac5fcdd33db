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
func (f *fixture) run(r *engine.RunInfo, calls [][3]string, u limits.Usage, err error) (engine.Hold, []bool, error) {
	hold, aerr := f.mon.Admit(r)
	f.mon.RunStarted(r)
	if aerr != nil {
		f.mon.RunFinished(r, &engine.Result{}, aerr)
		return hold, nil, aerr
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
	return hold, revoked, nil
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
		_, _, err := f.run(f.info("acme", s), nil, limits.Usage{}, nil)
		var e *engine.Error
		if !errors.Is(err, engine.ErrQuarantined) || !errors.As(err, &e) || e.Rule != "containment:crash-loop" || !strings.Contains(e.Message, "quarantined") {
			t.Errorf("quarantined run: %v; want a quarantined error naming containment:crash-loop", err)
		}
	}
	if _, _, err := f.run(f.info("other", s), nil, limits.Usage{}, nil); err != nil {
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
	if _, _, err := f.run(f.info("acme", v2), nil, limits.Usage{}, failed); err != nil {
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
	if _, _, err := f.run(f.info("acme", s), nil, limits.Usage{}, nil); !errors.Is(err, engine.ErrQuarantined) {
		t.Errorf("at 29m: %v, want quarantined", err)
	}
	f.clk.Add(time.Minute)
	if _, _, err := f.run(f.info("acme", s), nil, limits.Usage{}, failed); err != nil {
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
	_, revoked, _ := f.run(f.info("acme", s), calls, limits.Usage{}, nil)
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
	_, revoked, _ := f.run(f.info("acme", s), calls, limits.Usage{}, nil)
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
	hold, _, err := f.run(f.info("acme", s), nil, limits.Usage{}, nil)
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
	if _, _, err := f.run(f.info("acme", victim), nil, limits.Usage{}, nil); !errors.Is(err, engine.ErrQuarantined) {
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

// A nil *Monitor in engine.Config.Containment (a service with containment
// switched off) is harmless, not a nil dereference on every run.
func TestNilMonitor(t *testing.T) {
	var mon *contain.Monitor
	h, err := engine.NewHost(engine.Config{Backends: []engine.Backend{nopBackend{}}, Containment: mon})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	s, err := h.Compile(engine.Source{Name: "x", Lang: "nop"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Run(context.Background(), s, engine.RunOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, ok := mon.Stats(contain.Key{}); ok || mon.Actions() != nil || !errors.Is(mon.Lift("1"), contain.ErrNoAction) {
		t.Error("a nil monitor reports something")
	}
}

func TestActionJSON(t *testing.T) {
	f := newFixture(t, `name: p
containment:
  rules:
    - name: slow
      when: stats.runs >= 1
      action: tighten
      limits: {cpu: 100ms, hostCalls: 5}
      for: 1m
`, contain.Config{})
	f.run(f.info("acme", f.script("a.js", "")), nil, limits.Usage{}, nil)
	acts := f.mon.Actions()
	if len(acts) != 1 {
		t.Fatalf("actions %+v", acts)
	}
	b, _ := json.Marshal(acts[0])
	if !strings.Contains(string(b), `"key":{"tenant":"acme","script":"a.js"},"rule":"slow","policy":"p","kind":"tighten"`) ||
		fmt.Sprint(acts[0].LimitsMap()) != "map[cpu:100ms hostCalls:5]" {
		t.Errorf("JSON %s, limits %v", b, acts[0].LimitsMap())
	}
}

// A script that reaches a new host on every call does not grow the
// monitor's memory past MaxSet per script, and every unseen host stays a
// signal.
func TestHostSetBound(t *testing.T) {
	f := newFixture(t, `name: p
containment:
  rules:
    - name: roaming
      when: size(stats.newHosts) > 0 && size(stats.hosts) >= 4
      action: warn
`, contain.Config{MaxSet: 4})
	s := f.script("a.js", "")
	var calls [][3]string
	for i := 0; i < 50; i++ {
		calls = append(calls, [3]string{"http.get", "allow", fmt.Sprintf("https://h%d.example/", i)})
	}
	calls = append(calls, [3]string{"http.get", "allow", "https://" + strings.Repeat("a", 300) + ".example/"})
	f.run(f.info("acme", s), calls, limits.Usage{}, nil)
	st, _ := f.mon.Stats(contain.Key{Tenant: "acme", Script: "a.js"})
	if len(st.Hosts) != 4 {
		t.Errorf("%d hosts remembered, want 4", len(st.Hosts))
	}
	if w := f.events("containment.warn"); len(w) != 1 {
		t.Errorf("%d warnings, want 1 (the rule fires once per action)", len(w))
	}
}

// Runs stopped from outside (the process heap ceiling, which stops every
// run; the caller's cancellation) are not the script's failures.
func TestExternalStops(t *testing.T) {
	f := newFixture(t, crashPolicy, contain.Config{})
	s := f.script("job.js", "")
	heap := &engine.Error{Kind: engine.KindLimit, Limit: limits.Memory, Err: &limits.ExceededError{Limit: limits.Memory, Process: true}}
	canceled := &engine.Error{Kind: engine.KindRuntime, Err: &limits.CanceledError{Err: context.Canceled}}
	own := &engine.Error{Kind: engine.KindLimit, Limit: limits.Memory, Err: &limits.ExceededError{Limit: limits.Memory}}
	for i := 0; i < 5; i++ {
		f.run(f.info("acme", s), nil, limits.Usage{}, heap)
		f.run(f.info("acme", s), nil, limits.Usage{}, canceled)
	}
	st, _ := f.mon.Stats(contain.Key{Tenant: "acme", Script: "job.js"})
	if st.Runs != 0 || st.FailureStreak != 0 || len(f.mon.Actions()) != 0 {
		t.Errorf("stats %+v, actions %+v; want external stops not counted", st, f.mon.Actions())
	}
	for i := 0; i < 3; i++ {
		f.run(f.info("acme", s), nil, limits.Usage{}, own)
	}
	if acts := f.mon.Actions(); len(acts) != 1 {
		t.Errorf("own memory limit thrice: actions %+v, want a quarantine", acts)
	}
}

// The global bound evicting a tenant's only record while that tenant
// adds one (the tenant's list emptied and made anew) keeps the books
// straight: the tenant's share still holds afterwards.
func TestEvictOwnLast(t *testing.T) {
	f := newFixture(t, "", contain.Config{MaxScripts: 3, MaxScriptsPerTenant: 2})
	// a/s1 is the least recent when a adds s4: the global bound evicts it,
	// a's only record.
	for _, k := range [][2]string{{"a", "s1"}, {"b", "s2"}, {"c", "s3"}, {"a", "s4"}, {"a", "s5"}, {"a", "s6"}, {"a", "s7"}} {
		f.run(f.info(k[0], f.script(k[1], "")), nil, limits.Usage{}, nil)
	}
	var got []string
	for i := 1; i <= 7; i++ {
		if _, ok := f.mon.Stats(contain.Key{Tenant: "a", Script: fmt.Sprintf("s%d", i)}); ok {
			got = append(got, fmt.Sprintf("s%d", i))
		}
	}
	if fmt.Sprint(got) != "[s6 s7]" {
		t.Errorf("a's records %v, want [s6 s7] (its share is 2)", got)
	}
}

// Past the global bound on actions the one expiring soonest goes.
func TestGlobalActionBound(t *testing.T) {
	f := newFixture(t, crashPolicy, contain.Config{MaxActions: 4, MaxScriptsPerTenant: 3})
	for _, tenant := range []string{"a", "b", "c"} {
		for i := 0; i < 2; i++ {
			s := f.script(fmt.Sprintf("s%d.js", i), "")
			for j := 0; j < 3; j++ {
				f.run(f.info(tenant, s), nil, limits.Usage{}, failed)
			}
			f.clk.Add(time.Second)
		}
	}
	var got []string
	for _, a := range f.mon.Actions() {
		got = append(got, a.Key.Tenant+"/"+a.Key.Script)
	}
	if fmt.Sprint(got) != "[b/s0.js b/s1.js c/s0.js c/s1.js]" || len(f.events("containment.dropped")) != 2 {
		t.Errorf("actions %v, dropped %d; want a's two (the soonest to expire) dropped", got, len(f.events("containment.dropped")))
	}
}

// A run that lasted longer than the window adds its host calls without
// wiping what newer runs counted.
func TestLongRun(t *testing.T) {
	f := newFixture(t, `name: p
containment:
  window: 12m
  rules: [{name: w, when: stats.runs > 100, action: warn}]
`, contain.Config{})
	s := f.script("a.js", "")
	long := f.info("acme", s)
	f.mon.RunStarted(long)
	f.mon.HostCall(long, &bridge.CallEvent{Call: &bridge.Call{Capability: "kv.get"}, Outcome: "allow"})
	f.clk.Add(12 * time.Minute) // the same bucket index, one window later
	f.run(f.info("acme", s), [][3]string{{"kv.get", "deny"}}, limits.Usage{}, failed)
	f.mon.RunFinished(long, &engine.Result{}, nil)
	st, _ := f.mon.Stats(contain.Key{Tenant: "acme", Script: "a.js"})
	if st.Runs != 2 || st.Failures != 1 || st.HostCalls != 2 || st.Denials != 1 {
		t.Errorf("stats %+v; want 2 runs, 1 failure, 2 calls, 1 denial", st)
	}
}
