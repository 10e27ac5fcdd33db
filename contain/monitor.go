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
	Tenant string `json:"tenant"`
	Script string `json:"script"`
}

// Action is a containment action: taken (or, in audit mode, only logged)
// when a rule of the policy's containment section fired.
type Action struct {
	ID     string        `json:"id"`
	Key    Key           `json:"key"`
	Rule   string        `json:"rule"`             // the containment rule's name
	Policy string        `json:"policy"`           // the policy's name
	Kind   policy.Action `json:"kind"`             // warn, tighten, revoke, quarantine
	Revoke []string      `json:"revoke,omitempty"` // Kind revoke: the capability patterns taken away
	Limits policy.Limits `json:"-"`                // Kind tighten: the ceilings (LimitsMap renders them)
	// Audit: the section's mode is audit, so the action is logged and
	// listed but not taken.
	Audit bool      `json:"audit"`
	Start time.Time `json:"start"`
	Until time.Time `json:"until"`
	// Reason is the rule's condition and the statistics it saw.
	Reason string `json:"reason"`
}

// LimitsMap renders a tighten action's Limits as the policy writes them
// ({"cpu": "100ms", "hostCalls": "5"}); nil for other kinds.
func (a Action) LimitsMap() map[string]string {
	if a.Kind != policy.Tighten {
		return nil
	}
	return limitsMap(a.Limits)
}

// ErrNoAction is returned by Lift for an id that names no action in force.
var ErrNoAction = errors.New("contain: no such action")

// Monitor keeps per (tenant, script) run statistics, evaluates the runs'
// policies' containment rules over them and takes the actions they call
// for. It implements engine.Containment: set it in engine.Config.Containment
// (it observes runs from there; do not add it as an Observer too). It is
// safe for concurrent use. A nil *Monitor watches nothing and holds nothing
// back (a host configured with one works as without).
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
	lru     *list.List            // of *entry, most recent first
	tenants map[string]*list.List // each tenant's entries, most recent first

	amu      sync.RWMutex // actions, byID, nextID
	actions  map[Key][]*Action
	byID     map[string]*Action
	byTenant map[string]map[*Action]bool
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
		scripts: map[Key]*list.Element{}, lru: list.New(), tenants: map[string]*list.List{},
		actions: map[Key][]*Action{}, byID: map[string]*Action{}, byTenant: map[string]map[*Action]bool{}}
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
	tel *list.Element // in its tenant's list (Monitor.mu)

	mu              sync.Mutex
	window, history *series
	spans           [2]time.Duration // of window and history
	streak          int64
	gen             uint64 // counts the fresh starts of the window
	sha             string
	newVersion      bool
	caps, hosts     set
}

// run is what the monitor keeps about a run in progress. A run's events
// come one at a time (its calls are sequential; the further uses a host
// function asks about, maybe from a goroutine of its own, are serialized
// with the call by the bridge), so its host calls are counted here without
// a lock and added to the entry when the
// run ends; a mid-run evaluation sees the entry's counts plus these.
type run struct {
	e       *entry
	start   time.Time // the monitor's clock when the run started
	gen     uint64    // e.gen at the start: a fresh window since drops calls
	calls   counts    // the run's host calls
	seen    map[string]bool
	newCaps []string // first seen during the run
	hosts   []string
}

// RunStarted implements engine.Observer.
func (m *Monitor) RunStarted(r *engine.RunInfo) {
	if m == nil {
		return
	}
	e := m.entry(keyOf(r))
	e.mu.Lock()
	gen := e.gen
	e.mu.Unlock()
	m.runs.Store(r, &run{e: e, start: m.now(), gen: gen})
}

// HostCall implements engine.Observer: it counts the call and, when it was
// denied or used a capability or host not seen before, evaluates the
// containment rules at once, so an action can apply from the run's next
// host call.
func (m *Monitor) HostCall(r *engine.RunInfo, c *bridge.CallEvent) {
	if m == nil {
		return
	}
	v, ok := m.runs.Load(r)
	if !ok {
		return
	}
	rn := v.(*run)
	e := rn.e
	capability := c.Call.Capability
	denied := c.Outcome == "deny" || c.Outcome == "audit-deny"
	rn.calls.addCall(capability, denied)
	// The entry's sets are asked only about what this run has not asked
	// about yet: a loop of calls to one capability and host takes no lock.
	var newCaps, newHosts []string
	var host string
	used := c.Outcome == "allow" || c.Outcome == "audit-deny"
	if used {
		if host = hostOf(c.Call.Args); host != "" && rn.seen["//"+host] {
			host = ""
		}
	}
	newCap := used && !rn.seen[capability]
	if !newCap && host == "" && !denied && c.Outcome != "error" {
		return
	}
	if rn.seen == nil {
		rn.seen = map[string]bool{}
	}
	e.mu.Lock()
	if newCap {
		rn.seen[capability] = true
		if e.caps.add(capability) {
			newCaps = []string{capability}
		}
	}
	if host != "" {
		rn.seen["//"+host] = true
		if e.hosts.add(host) {
			newHosts = []string{host}
		}
	}
	var st *policy.Stats
	if denied || c.Outcome == "error" || newCaps != nil || newHosts != nil {
		e.sync(r.Policy)
		st = e.stats(m.now(), &rn.calls, rn.gen, newCaps, newHosts)
	}
	e.mu.Unlock()
	rn.newCaps = append(rn.newCaps, newCaps...)
	rn.hosts = append(rn.hosts, newHosts...)
	if st != nil {
		m.evaluate(r, e.key, st)
	}
}

// RunFinished implements engine.Observer: it counts the run and evaluates
// the containment rules. Runs refused by a quarantine are not counted, nor
// runs stopped from outside (see external).
func (m *Monitor) RunFinished(r *engine.RunInfo, res *engine.Result, err error) {
	if m == nil {
		return
	}
	v, ok := m.runs.LoadAndDelete(r)
	if !ok || errors.Is(err, engine.ErrQuarantined) {
		return
	}
	rn := v.(*run)
	e := rn.e
	if external(err) {
		e.mu.Lock()
		e.sync(r.Policy)
		e.addCalls(rn)
		e.mu.Unlock()
		return
	}
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
	e.addCalls(rn)
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
	st := e.stats(now, nil, 0, rn.newCaps, rn.hosts)
	e.mu.Unlock()
	m.evaluate(r, e.key, st)
}

// addCalls adds a finished run's host calls to the entry's counts, in the
// bucket of the run's start (runs last seconds, buckets minutes), unless
// the window started afresh since the run started. e.mu is held.
func (e *entry) addCalls(rn *run) {
	if rn.calls.hostCalls == 0 {
		return
	}
	if rn.gen == e.gen {
		e.window.at(rn.start).add(&rn.calls)
	}
	e.history.at(rn.start).add(&rn.calls)
}

// Admit implements engine.Containment: a quarantined script's run is
// refused; tightened budgets become the run's ceilings.
func (m *Monitor) Admit(r *engine.RunInfo) (engine.Hold, error) {
	if m == nil {
		return engine.Hold{}, nil
	}
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
	if m == nil || m.nRevokes.Load() == 0 {
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
	if m == nil {
		return nil
	}
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
// event). Unless it was a warn, the script's window statistics start
// afresh, so the evidence behind the action does not fire it again at
// once; its history stays.
func (m *Monitor) Lift(id string) error {
	if m == nil {
		return fmt.Errorf("%w: %q", ErrNoAction, id)
	}
	m.amu.Lock()
	a := m.byID[id]
	if a == nil {
		m.amu.Unlock()
		return fmt.Errorf("%w: %q", ErrNoAction, id)
	}
	m.removeLocked(a)
	m.amu.Unlock()
	if a.Kind != policy.Warn {
		m.freshWindow(a.Key)
	}
	m.event(m.log.Info(), "containment.lifted", a)
	return nil
}

// Stats returns the statistics the containment rules would see now for a
// script (no new capabilities or hosts), and whether it is tracked.
func (m *Monitor) Stats(k Key) (policy.Stats, bool) {
	if m == nil {
		return policy.Stats{}, false
	}
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
	return *e.stats(m.now(), nil, 0, nil, nil), true
}

// external says whether err stopped the run for a reason outside the
// script: the process-wide heap ceiling (which stops every active run,
// the culprit's neighbours too) or the caller's cancellation (a client gone,
// a service shutting down). Counting those as the script's failures would
// let one tenant's memory hog, or a restart, quarantine innocent scripts.
// The host calls the run made are counted all the same.
func external(err error) bool {
	var le *limits.ExceededError
	var ce *limits.CanceledError
	return errors.As(err, &le) && le.Process || errors.As(err, &ce) && !ce.Deadline
}

func keyOf(r *engine.RunInfo) Key { return Key{Tenant: r.Identity.Tenant, Script: r.Script.Name()} }

// entry returns k's record, made (and the least recent evicted) if needed.
func (m *Monitor) entry(k Key) *entry {
	m.mu.Lock()
	defer m.mu.Unlock()
	if el := m.scripts[k]; el != nil {
		e := el.Value.(*entry)
		m.lru.MoveToFront(el)
		m.tenants[k.Tenant].MoveToFront(e.tel)
		return e
	}
	if tl := m.tenants[k.Tenant]; tl != nil && tl.Len() >= m.maxT {
		// The tenant's own least recent entry goes.
		m.evictLocked(tl.Back().Value.(*entry))
	}
	if m.lru.Len() >= m.maxS {
		m.evictLocked(m.lru.Back().Value.(*entry))
	}
	// After the evictions, which may have emptied (and dropped) the
	// tenant's list.
	tl := m.tenants[k.Tenant]
	if tl == nil {
		tl = list.New()
		m.tenants[k.Tenant] = tl
	}
	e := &entry{key: k, caps: set{cap: m.maxSet}, hosts: set{cap: m.maxSet}}
	e.tel = tl.PushFront(e)
	m.scripts[k] = m.lru.PushFront(e)
	return e
}

// evictLocked forgets e's record. mu is held.
func (m *Monitor) evictLocked(e *entry) {
	m.lru.Remove(m.scripts[e.key])
	delete(m.scripts, e.key)
	tl := m.tenants[e.key.Tenant]
	tl.Remove(e.tel)
	if tl.Len() == 0 {
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

// stats renders the entry's statistics, with the host calls of a run in
// progress (nil: none) that started at generation gen. e.mu is held.
func (e *entry) stats(now time.Time, running *counts, gen uint64, newCaps, newHosts []string) *policy.Stats {
	w := e.window.sum(now)
	h := e.history.sum(now)
	if running != nil {
		if gen == e.gen {
			w.add(running)
		}
		h.add(running)
	}
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
	if m.byTenant[k.Tenant] == nil {
		m.byTenant[k.Tenant] = map[*Action]bool{}
	}
	m.byTenant[k.Tenant][a] = true
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
// Only a bound reached costs a scan: of the tenant's own actions, or of
// all of them when the global bound is reached.
func (m *Monitor) makeRoomLocked(tenant string) []*Action {
	var dropped []*Action
	for {
		var soonest *Action
		switch {
		case len(m.byTenant[tenant]) >= m.maxT:
			for a := range m.byTenant[tenant] {
				if soonest == nil || a.Until.Before(soonest.Until) {
					soonest = a
				}
			}
		case len(m.byID) >= m.maxA:
			for _, a := range m.byID {
				if soonest == nil || a.Until.Before(soonest.Until) {
					soonest = a
				}
			}
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
	if t := m.byTenant[a.Key.Tenant]; t != nil {
		delete(t, a)
		if len(t) == 0 {
			delete(m.byTenant, a.Key.Tenant)
		}
	}
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
	e.gen++
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

// tighter clamps b to the non-zero fields of l (every budget field,
// limits.Fields).
func tighter(b limits.Budget, l policy.Limits) limits.Budget {
	for _, f := range limits.Fields() {
		if c := f.Get(l); c > 0 && (f.Get(b) == 0 || f.Get(b) > c) {
			f.Set(&b, c)
		}
	}
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
