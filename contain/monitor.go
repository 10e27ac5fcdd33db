package contain

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/scriptrun/scriptrun/bridge"
	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/limits"
	"github.com/scriptrun/scriptrun/policy"
)

// Config configures a Monitor. The zero value of every field is the safe
// default.
type Config struct {
	// Logger receives the containment.* audit events; nil: none. It must be
	// safe for concurrent use.
	Logger *zerolog.Logger
	// Now is the monitor's clock (windows, action durations); nil: time.Now.
	Now func() time.Time
	// MaxScripts bounds the (tenant, script) pairs whose statistics are
	// kept (default 10000); past it the least recently run is forgotten.
	// MaxScriptsPerTenant bounds one tenant's share (default MaxScripts/10,
	// at least 1): a tenant that makes up many script names forgets its own
	// least recent ones, not other tenants'.
	MaxScripts, MaxScriptsPerTenant int
	// MaxActions bounds the actions in force (default 10000), and
	// MaxScriptsPerTenant one tenant's share of them; past either the action
	// expiring soonest is dropped (a containment.dropped event).
	MaxActions int
	// MaxSet bounds the capabilities and hosts remembered per script
	// (default 64); past it every unseen one counts as new.
	MaxSet int
	// OnAction, when set, is told of every action the monitor takes, lifts
	// or lets expire (metrics); Event is the audit event's name. It is
	// called without the monitor's locks held and must not block.
	OnAction func(event string, a Action)
}

// Key is what the monitor keeps statistics and actions by: a tenant's
// script by name, so a new version uploaded under the same name keeps its
// record (and stays quarantined).
type Key struct {
	Tenant string
	Script string
}

// Action is a containment action: taken (or, in audit mode, only logged)
// when a rule of the policy's containment section fired.
type Action struct {
	ID     string
	Key    Key
	Rule   string        // the containment rule's name
	Policy string        // the policy's name
	Kind   policy.Action // warn, tighten, revoke, quarantine
	Revoke []string      // Kind revoke: the capability patterns taken away
	Limits policy.Limits // Kind tighten: the ceilings
	// Audit: the section's mode is audit, so the action is logged and
	// listed but not taken.
	Audit bool
	Start time.Time
	Until time.Time
	// Reason is the rule's condition and the statistics it saw.
	Reason string
}

// ErrNoAction is returned by Lift for an id that names no action in force.
var ErrNoAction = errors.New("contain: no such action")

// Monitor keeps per (tenant, script) run statistics, evaluates the runs'
// policies' containment rules over them and takes the actions they call
// for. It implements engine.Containment: set it in engine.Config.Containment
// (it observes runs from there; do not add it as an Observer too). It is
// safe for concurrent use.
type Monitor struct {
	log      zerolog.Logger
	now      func() time.Time
	maxS     int
	maxT     int
	maxA     int
	maxSet   int
	onAction func(string, Action)

	runs sync.Map // *engine.RunInfo -> *run

	mu      sync.Mutex // scripts, lru, tenants
	scripts map[Key]*list.Element
	lru     *list.List     // of *entry, most recent first
	tenants map[string]int // entries per tenant

	amu      sync.RWMutex // actions, byID, nextID
	actions  map[Key][]*Action
	byID     map[string]*Action
	nextID   uint64
	nRevokes atomic.Int64 // enforced revoke actions: Revoked's fast path
}

var _ engine.Containment = (*Monitor)(nil)

// New returns a Monitor.
func New(cfg Config) (*Monitor, error) {
	if cfg.MaxScripts < 0 || cfg.MaxScriptsPerTenant < 0 || cfg.MaxActions < 0 || cfg.MaxSet < 0 {
		return nil, errors.New("contain: Config bounds must not be negative")
	}
	m := &Monitor{now: cfg.Now, maxS: cfg.MaxScripts, maxT: cfg.MaxScriptsPerTenant, maxA: cfg.MaxActions,
		maxSet: cfg.MaxSet, onAction: cfg.OnAction,
		scripts: map[Key]*list.Element{}, lru: list.New(), tenants: map[string]int{},
		actions: map[Key][]*Action{}, byID: map[string]*Action{}}
	if m.now == nil {
		m.now = time.Now
	}
	if m.maxS == 0 {
		m.maxS = 10000
	}
	if m.maxT == 0 {
		m.maxT = max(m.maxS/10, 1)
	}
	if m.maxA == 0 {
		m.maxA = 10000
	}
	if m.maxSet == 0 {
		m.maxSet = 64
	}
	if cfg.Logger != nil {
		m.log = *cfg.Logger
	} else {
		m.log = zerolog.Nop()
	}
	return m, nil
}

// entry is one (tenant, script)'s record.
type entry struct {
	key Key

	mu              sync.Mutex
	window, history *series
	spans           [2]time.Duration // of window and history
	streak          int64
	sha             string
	newVersion      bool
	caps, hosts     set
}

// run is what the monitor keeps about a run in progress.
type run struct {
	e       *entry
	start   time.Time // the monitor's clock when the run started
	newCaps []string  // first seen during the run
	hosts   []string
}

// RunStarted implements engine.Observer.
func (m *Monitor) RunStarted(r *engine.RunInfo) {
	m.runs.Store(r, &run{e: m.entry(keyOf(r)), start: m.now()})
}

// HostCall implements engine.Observer: it counts the call and, when it was
// denied or used a capability or host not seen before, evaluates the
// containment rules at once, so an action can apply from the run's next
// host call.
func (m *Monitor) HostCall(r *engine.RunInfo, c *bridge.CallEvent) {
	v, ok := m.runs.Load(r)
	if !ok {
		return
	}
	rn := v.(*run)
	e := rn.e
	denied := c.Outcome == "deny" || c.Outcome == "audit-deny"
	var newCaps, newHosts []string
	e.mu.Lock()
	e.sync(r.Policy)
	// A call counts in the bucket of its run's start (runs last seconds,
	// buckets minutes): no clock read on every call.
	e.window.at(rn.start).addCall(c.Call.Capability, denied)
	e.history.at(rn.start).addCall(c.Call.Capability, denied)
	if c.Outcome == "allow" || c.Outcome == "audit-deny" {
		if e.caps.add(c.Call.Capability) {
			newCaps = []string{c.Call.Capability}
		}
		if h := hostOf(c.Call.Args); h != "" && e.hosts.add(h) {
			newHosts = []string{h}
		}
	}
	var st *policy.Stats
	if denied || c.Outcome == "error" || newCaps != nil || newHosts != nil {
		st = e.stats(m.now(), newCaps, newHosts)
	}
	e.mu.Unlock()
	rn.newCaps = append(rn.newCaps, newCaps...)
	rn.hosts = append(rn.hosts, newHosts...)
	if st != nil {
		m.evaluate(r, e.key, st)
	}
}

// RunFinished implements engine.Observer: it counts the run and evaluates
// the containment rules. Runs refused by a quarantine are not counted.
func (m *Monitor) RunFinished(r *engine.RunInfo, res *engine.Result, err error) {
	v, ok := m.runs.LoadAndDelete(r)
	if !ok || errors.Is(err, engine.ErrQuarantined) {
		return
	}
	rn := v.(*run)
	e := rn.e
	now := m.now()
	kind := ""
	if err != nil {
		kind = string(engine.KindInternal)
		var ee *engine.Error
		if errors.As(err, &ee) {
			kind = string(ee.Kind)
		}
	}
	cpu, mem := float64(res.Usage.CPUMs), float64(res.Usage.MemoryBytes)
	e.mu.Lock()
	e.sync(r.Policy)
	e.window.at(now).addRun(kind, cpu, mem)
	e.history.at(now).addRun(kind, cpu, mem)
	if kind != "" {
		e.streak++
	} else {
		e.streak = 0
	}
	if sha := r.Script.SHA256(); sha != e.sha {
		e.newVersion = e.sha != ""
		e.sha = sha
	} else {
		e.newVersion = false
	}
	st := e.stats(now, rn.newCaps, rn.hosts)
	e.mu.Unlock()
	m.evaluate(r, e.key, st)
}

// Admit implements engine.Containment: a quarantined script's run is
// refused; tightened budgets become the run's ceilings.
func (m *Monitor) Admit(r *engine.RunInfo) (engine.Hold, error) {
	k := keyOf(r)
	m.expire(k)
	now := m.now()
	var hold engine.Hold
	m.amu.RLock()
	defer m.amu.RUnlock()
	for _, a := range m.actions[k] {
		if a.Audit || !now.Before(a.Until) {
			continue
		}
		switch a.Kind {
		case policy.Quarantine:
			return engine.Hold{}, &engine.Error{Kind: engine.KindQuarantined, Rule: "containment:" + a.Rule,
				Message: fmt.Sprintf("script %q is quarantined by containment rule %q until %s (action %s)",
					k.Script, a.Rule, a.Until.UTC().Format(time.RFC3339), a.ID)}
		case policy.Tighten:
			hold.Budget = tighter(hold.Budget, a.Limits)
			hold.Rules = append(hold.Rules, "containment:"+a.Rule)
		}
	}
	return hold, nil
}

// Revoked implements engine.Containment.
func (m *Monitor) Revoked(r *engine.RunInfo, capability string) (engine.Revocation, bool) {
	if m.nRevokes.Load() == 0 {
		return engine.Revocation{}, false
	}
	k := keyOf(r)
	now := m.now()
	m.amu.RLock()
	defer m.amu.RUnlock()
	for _, a := range m.actions[k] {
		if a.Kind != policy.Revoke || a.Audit || !now.Before(a.Until) {
			continue
		}
		for _, p := range a.Revoke {
			if matchCap(p, capability) {
				return engine.Revocation{Rule: "containment:" + a.Rule,
					Message: fmt.Sprintf("%s is revoked by containment rule %q until %s", capability, a.Rule, a.Until.UTC().Format(time.RFC3339))}, true
			}
		}
	}
	return engine.Revocation{}, false
}

// Actions returns the actions in force (and, in audit mode, logged),
// oldest first.
func (m *Monitor) Actions() []Action {
	m.expireAll()
	m.amu.RLock()
	out := make([]Action, 0, len(m.byID))
	for _, a := range m.byID {
		out = append(out, cloneAction(a))
	}
	m.amu.RUnlock()
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Start.Equal(out[j].Start) {
			return out[i].Start.Before(out[j].Start)
		}
		return idLess(out[i].ID, out[j].ID)
	})
	return out
}

// Lift ends the action id now (an operator's decision; a containment.lifted
// event). The script's window statistics start afresh, so the evidence
// behind the action does not fire it again at once; its history stays.
func (m *Monitor) Lift(id string) error {
	m.amu.Lock()
	a := m.byID[id]
	if a == nil {
		m.amu.Unlock()
		return fmt.Errorf("%w: %q", ErrNoAction, id)
	}
	m.removeLocked(a)
	m.amu.Unlock()
	m.freshWindow(a.Key)
	m.event(m.log.Info(), "containment.lifted", a)
	return nil
}

// Stats returns the statistics the containment rules would see now for a
// script (no new capabilities or hosts), and whether it is tracked.
func (m *Monitor) Stats(k Key) (policy.Stats, bool) {
	m.mu.Lock()
	el := m.scripts[k]
	m.mu.Unlock()
	if el == nil {
		return policy.Stats{}, false
	}
	e := el.Value.(*entry)
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.window == nil {
		return policy.Stats{Tenant: k.Tenant, Script: k.Script}, true
	}
	return *e.stats(m.now(), nil, nil), true
}

func keyOf(r *engine.RunInfo) Key { return Key{Tenant: r.Identity.Tenant, Script: r.Script.Name()} }

// entry returns k's record, made (and the least recent evicted) if needed.
func (m *Monitor) entry(k Key) *entry {
	m.mu.Lock()
	defer m.mu.Unlock()
	if el := m.scripts[k]; el != nil {
		m.lru.MoveToFront(el)
		return el.Value.(*entry)
	}
	if m.tenants[k.Tenant] >= m.maxT {
		// The tenant's own least recent entry goes.
		for el := m.lru.Back(); el != nil; el = el.Prev() {
			if el.Value.(*entry).key.Tenant == k.Tenant {
				m.evictLocked(el)
				break
			}
		}
	}
	if m.lru.Len() >= m.maxS {
		m.evictLocked(m.lru.Back())
	}
	e := &entry{key: k, caps: set{cap: m.maxSet}, hosts: set{cap: m.maxSet}}
	m.scripts[k] = m.lru.PushFront(e)
	m.tenants[k.Tenant]++
	return e
}

func (m *Monitor) evictLocked(el *list.Element) {
	e := m.lru.Remove(el).(*entry)
	delete(m.scripts, e.key)
	if m.tenants[e.key.Tenant]--; m.tenants[e.key.Tenant] <= 0 {
		delete(m.tenants, e.key.Tenant)
	}
}

// sync makes the entry's series match the spans of pol's containment
// section (the defaults without one). A changed span starts that series
// afresh. e.mu is held.
func (e *entry) sync(pol *policy.Policy) {
	spans := [2]time.Duration{policy.DefaultWindow, policy.DefaultHistory}
	if pol != nil && pol.Containment != nil {
		spans = [2]time.Duration{pol.Containment.Window, pol.Containment.History}
	}
	if e.window == nil || spans[0] != e.spans[0] {
		e.window = newSeries(spans[0])
	}
	if e.history == nil || spans[1] != e.spans[1] {
		e.history = newSeries(spans[1])
	}
	e.spans = spans
}

// stats renders the entry's statistics. e.mu is held.
func (e *entry) stats(now time.Time, newCaps, newHosts []string) *policy.Stats {
	w := e.window.sum(now)
	h := e.history.sum(now)
	st := &policy.Stats{
		Tenant: e.key.Tenant, Script: e.key.Script, SHA256: e.sha, NewVersion: e.newVersion,
		Runs: w.runs, Failures: w.failures, FailureRate: rate(w.failures, w.runs),
		FailuresByKind: orEmpty(w.byKind), FailureStreak: e.streak,
		HostCalls: w.hostCalls, Denials: w.denials, DenialRate: rate(w.denials, w.hostCalls),
		Calls: orEmpty(w.calls), Denied: orEmpty(w.denied),
		CPU: measure(w.cpuSum, w.cpuMax, w.runs), Memory: measure(w.memSum, w.memMax, w.runs),
		History: policy.History{Runs: h.runs, Failures: h.failures, FailureRate: rate(h.failures, h.runs),
			DenialRate: rate(h.denials, h.hostCalls),
			CPU:        measure(h.cpuSum, h.cpuMax, h.runs), Memory: measure(h.memSum, h.memMax, h.runs)},
		Capabilities: e.caps.list(), NewCapabilities: orNone(newCaps),
		Hosts: e.hosts.list(), NewHosts: orNone(newHosts),
	}
	return st
}

func orEmpty(m map[string]int64) map[string]int64 {
	if m == nil {
		return map[string]int64{}
	}
	return m
}

func orNone(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// evaluate runs the containment rules of r's policy over st and takes the
// actions of the rules that fire.
func (m *Monitor) evaluate(r *engine.RunInfo, k Key, st *policy.Stats) {
	if r.Policy == nil || r.Policy.Containment == nil {
		return
	}
	c := r.Policy.Containment
	m.expire(k)
	fired, errs := c.Eval(context.Background(), st)
	for _, err := range errs {
		m.log.Error().Str("event", "containment.error").Str("tenant", k.Tenant).Str("script", k.Script).
			Str("policy", r.Policy.Name).AnErr("error", err).Msg("containment.error")
	}
	for _, rule := range fired {
		m.take(r.Policy, c, rule, k, st)
	}
}

// take records the action of rule for k unless the rule has one in force.
func (m *Monitor) take(pol *policy.Policy, c *policy.Containment, rule *policy.ContainmentRule, k Key, st *policy.Stats) {
	now := m.now()
	m.amu.Lock()
	for _, a := range m.actions[k] {
		if a.Rule == rule.Name && a.Policy == pol.Name {
			m.amu.Unlock()
			return
		}
	}
	m.nextID++
	a := &Action{ID: strconv.FormatUint(m.nextID, 10), Key: k, Rule: rule.Name, Policy: pol.Name, Kind: rule.Action,
		Revoke: append([]string(nil), rule.Revoke...), Limits: rule.Limits, Audit: c.Mode == policy.Audit,
		Start: now, Until: now.Add(rule.For), Reason: reason(rule, st)}
	dropped := m.makeRoomLocked(k.Tenant)
	m.actions[k] = append(m.actions[k], a)
	m.byID[a.ID] = a
	if a.Kind == policy.Revoke && !a.Audit {
		m.nRevokes.Add(1)
	}
	m.amu.Unlock()
	for _, d := range dropped {
		m.event(m.log.Error(), "containment.dropped", d)
	}
	m.event(m.log.Warn(), "containment."+string(a.Kind), a)
}

// makeRoomLocked drops actions so one more of tenant's fits the bounds.
// amu is held.
func (m *Monitor) makeRoomLocked(tenant string) []*Action {
	var dropped []*Action
	for {
		n, nt := 0, 0
		var soonest, soonestT *Action
		for _, a := range m.byID {
			n++
			if soonest == nil || a.Until.Before(soonest.Until) {
				soonest = a
			}
			if a.Key.Tenant == tenant {
				nt++
				if soonestT == nil || a.Until.Before(soonestT.Until) {
					soonestT = a
				}
			}
		}
		switch {
		case nt >= m.maxT:
			soonest = soonestT
		case n >= m.maxA:
		default:
			return dropped
		}
		m.removeLocked(soonest)
		dropped = append(dropped, soonest)
	}
}

// removeLocked forgets a. amu is held.
func (m *Monitor) removeLocked(a *Action) {
	delete(m.byID, a.ID)
	list := m.actions[a.Key]
	for i, x := range list {
		if x == a {
			list = append(list[:i:i], list[i+1:]...)
			break
		}
	}
	if len(list) == 0 {
		delete(m.actions, a.Key)
	} else {
		m.actions[a.Key] = list
	}
	if a.Kind == policy.Revoke && !a.Audit {
		m.nRevokes.Add(-1)
	}
}

// expire removes k's actions whose time is up (containment.expired), and
// starts k's window afresh if there were any.
func (m *Monitor) expire(k Key) {
	now := m.now()
	m.amu.RLock()
	due := false
	for _, a := range m.actions[k] {
		if !now.Before(a.Until) {
			due = true
			break
		}
	}
	m.amu.RUnlock()
	if !due {
		return
	}
	m.amu.Lock()
	var gone []*Action
	for _, a := range append([]*Action(nil), m.actions[k]...) {
		if !now.Before(a.Until) {
			m.removeLocked(a)
			gone = append(gone, a)
		}
	}
	m.amu.Unlock()
	m.expired(gone)
}

func (m *Monitor) expireAll() {
	now := m.now()
	m.amu.Lock()
	var gone []*Action
	for _, a := range m.byID {
		if !now.Before(a.Until) {
			m.removeLocked(a)
			gone = append(gone, a)
		}
	}
	m.amu.Unlock()
	m.expired(gone)
}

func (m *Monitor) expired(gone []*Action) {
	done := map[Key]bool{}
	for _, a := range gone {
		if !done[a.Key] && a.Kind != policy.Warn {
			// The evidence behind an action is spent when it ends; a warn
			// ends without having done anything, so its evidence stays.
			m.freshWindow(a.Key)
			done[a.Key] = true
		}
		m.event(m.log.Info(), "containment.expired", a)
	}
}

// freshWindow empties k's window statistics and failure streak.
func (m *Monitor) freshWindow(k Key) {
	m.mu.Lock()
	el := m.scripts[k]
	m.mu.Unlock()
	if el == nil {
		return
	}
	e := el.Value.(*entry)
	e.mu.Lock()
	if e.window != nil {
		e.window = newSeries(e.spans[0])
	}
	e.streak = 0
	e.mu.Unlock()
}

func (m *Monitor) event(ev *zerolog.Event, name string, a *Action) {
	mode := "enforce"
	if a.Audit {
		mode = "audit"
	}
	ev = ev.Str("event", name).Str("action", a.ID).Str("kind", string(a.Kind)).Str("tenant", a.Key.Tenant).
		Str("script", a.Key.Script).Str("policy", a.Policy).Str("rule", a.Rule).Str("mode", mode).
		Time("until", a.Until)
	if len(a.Revoke) > 0 {
		ev = ev.Strs("revoke", a.Revoke)
	}
	if a.Kind == policy.Tighten {
		ev = ev.Interface("limits", limitsMap(a.Limits))
	}
	ev.Str("reason", a.Reason).Msg(name)
	if m.onAction != nil {
		m.onAction(name, cloneAction(a))
	}
}

func limitsMap(l policy.Limits) map[string]string {
	b := tighter(limits.Budget{}, l)
	out := map[string]string{}
	for _, f := range []string{limits.Steps, limits.Memory, limits.Timeout, limits.CPU, limits.HostCalls, limits.Output, limits.Logs} {
		if v := b.Value(f); v != "" && v != "0" && v != "0s" {
			out[f] = v
		}
	}
	return out
}

// reason describes why rule fired: its condition and the statistics it
// read most often.
func reason(rule *policy.ContainmentRule, st *policy.Stats) string {
	return fmt.Sprintf("%s (runs %d, failures %d, failureStreak %d, hostCalls %d, denials %d, denialRate %.2f, cpu mean %.0fms max %.0fms, memory max %.0f)",
		strings.Join(strings.Fields(rule.When), " "), st.Runs, st.Failures, st.FailureStreak, st.HostCalls, st.Denials, st.DenialRate,
		st.CPU.Mean, st.CPU.Max, st.Memory.Max)
}

// tighter clamps b to the non-zero fields of l.
func tighter(b limits.Budget, l policy.Limits) limits.Budget {
	clamp := func(dst *int64, c int64) {
		if c > 0 && (*dst == 0 || *dst > c) {
			*dst = c
		}
	}
	clampD := func(dst *time.Duration, c time.Duration) {
		if c > 0 && (*dst == 0 || *dst > c) {
			*dst = c
		}
	}
	clamp(&b.Steps, l.Steps)
	clamp(&b.Memory, l.Memory)
	clampD(&b.Timeout, l.Timeout)
	clampD(&b.CPU, l.CPU)
	clamp(&b.HostCalls, l.HostCalls)
	clamp(&b.Output, l.Output)
	clamp(&b.Logs, l.Logs)
	return b
}

// matchCap says whether the capability pattern p ("kv.get", "kv.*", "*")
// names capability.
func matchCap(p, capability string) bool {
	if p == "*" || p == capability {
		return true
	}
	mod, ok := strings.CutSuffix(p, ".*")
	return ok && strings.HasPrefix(capability, mod+".")
}

// hostOf returns the host of a call's url argument, "" if it has none or
// it is not a plausible host name: the set of hosts is kept per script, and
// a script must not make it hold megabytes (a DNS name is at most 253
// bytes; a URL of 8 KiB is longer than any browser or server accepts).
func hostOf(args bridge.Args) string {
	s, ok := args["url"].(string)
	if !ok || len(s) > 8<<10 {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	h := strings.ToLower(u.Hostname())
	if len(h) > 253 {
		return ""
	}
	return h
}

func cloneAction(a *Action) Action {
	c := *a
	c.Revoke = append([]string(nil), a.Revoke...)
	return c
}

func idLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}
