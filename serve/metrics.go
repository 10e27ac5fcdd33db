package serve

import (
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/scriptrun/scriptrun/bridge"
	"github.com/scriptrun/scriptrun/contain"
	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/limits"
	"github.com/scriptrun/scriptrun/policy"
)

// metrics is the service's Prometheus instruments and the engine.Observer
// that feeds the run and host-call ones. Labels take values from known
// sets only (languages, error kinds, budget fields, the registered
// capabilities, decisions) or from a capped set (rule names), and never a
// tenant, a script or anything a request chose: a label value is a time
// series kept forever, so an open set is a memory leak an attacker drives.
type metrics struct {
	reg *prometheus.Registry

	runs         *prometheus.CounterVec   // lang, outcome
	runDuration  *prometheus.HistogramVec // lang
	runCPU       *prometheus.HistogramVec // lang
	runSteps     *prometheus.HistogramVec // lang
	runMemory    *prometheus.HistogramVec // lang
	limitsHit    *prometheus.CounterVec   // limit
	calls        *prometheus.CounterVec   // capability, decision
	callDuration *prometheus.HistogramVec // capability
	denials      *prometheus.CounterVec   // rule
	inflight     prometheus.Gauge
	admitWait    prometheus.Histogram
	rejected     prometheus.Counter
	requests     *prometheus.CounterVec // handler, code
	reloadErrors *prometheus.CounterVec // kind
	containment  *prometheus.CounterVec // action

	langs, caps, outcomes, limitNames, decisions set
	actions, actionEvents                        set
	rules                                        *capped
}

// set is a known set of label values; anything else is "other".
type set map[string]bool

func (s set) label(v string) string {
	if s[v] {
		return v
	}
	return "other"
}

func setOf(vs ...string) set {
	s := set{}
	for _, v := range vs {
		s[v] = true
	}
	return s
}

// capped admits the first max distinct values it is asked about, and
// answers "other" for any further one.
type capped struct {
	mu   sync.Mutex
	seen map[string]bool
	max  int
}

func (c *capped) label(v string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen[v] {
		return v
	}
	if len(c.seen) >= c.max {
		return "other"
	}
	c.seen[v] = true
	return v
}

// maxRuleLabels bounds the rule label: rule names come from the operators'
// policy files, one per tenant, so their number is not the service's to
// fix; past this many, denials count under "other".
const maxRuleLabels = 200

// Bucket bounds: runs last from microseconds (a cached transform) to the
// timeout budget (seconds); steps from a handful to the 10^8 default.
var (
	secondsBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}
	stepsBuckets   = prometheus.ExponentialBuckets(100, 10, 8)         // 100 .. 10^9
	memoryBuckets  = prometheus.ExponentialBuckets(1024, 4, 10)        // 1 KiB .. 256 MiB
	callBuckets    = []float64{.00001, .0001, .001, .01, .1, .5, 1, 5} // host calls
)

func newMetrics(langs, caps []string) *metrics {
	const ns = "scriptrun"
	m := &metrics{reg: prometheus.NewRegistry()}
	m.langs = setOf(langs...)
	m.caps = setOf(caps...)
	m.outcomes = setOf("ok", string(engine.KindCompile), string(engine.KindRuntime), string(engine.KindLimit),
		string(engine.KindDenied), string(engine.KindHost), string(engine.KindInput), string(engine.KindOutput),
		string(engine.KindInternal), string(engine.KindBusy), string(engine.KindQuarantined))
	m.actions = setOf(string(policy.Warn), string(policy.Tighten), string(policy.Revoke), string(policy.Quarantine))
	m.actionEvents = setOf("taken", "lifted", "expired", "dropped")
	m.limitNames = setOf(limits.Steps, limits.Memory, limits.Timeout, limits.CPU, limits.HostCalls, limits.Output,
		limits.Logs, limits.StackDepth, limits.Source, limits.Input)
	m.decisions = setOf("allow", "deny", "audit-deny", "error")
	m.rules = &capped{seen: map[string]bool{}, max: maxRuleLabels}

	m.runs = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "runs_total",
		Help: "Runs finished, by language and outcome (ok or the error kind)."}, []string{"lang", "outcome"})
	m.runDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: ns, Name: "run_duration_seconds",
		Help: "Wall time of runs, from start to finish (admission wait excluded).", Buckets: secondsBuckets}, []string{"lang"})
	m.runCPU = prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: ns, Name: "run_cpu_seconds",
		Help: "CPU time of runs' scripts.", Buckets: secondsBuckets}, []string{"lang"})
	m.runSteps = prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: ns, Name: "run_steps",
		Help: "Steps runs took.", Buckets: stepsBuckets}, []string{"lang"})
	m.runMemory = prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: ns, Name: "run_memory_bytes",
		Help: "Memory runs charged to their budget.", Buckets: memoryBuckets}, []string{"lang"})
	m.limitsHit = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "limits_exceeded_total",
		Help: "Runs stopped by a budget, by budget field."}, []string{"limit"})
	m.calls = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "host_calls_total",
		Help: "Host calls decided, by capability and decision (allow, deny, audit-deny, error)."}, []string{"capability", "decision"})
	m.callDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: ns, Name: "host_call_duration_seconds",
		Help: "Time of host calls, decision included.", Buckets: callBuckets}, []string{"capability"})
	m.denials = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "denials_total",
		Help: `Host calls denied (or that audit mode would deny), by the rule that decided ("none": no rule allowed).`}, []string{"rule"})
	m.inflight = prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Name: "runs_in_flight",
		Help: "Run requests being served (admitted or waiting)."})
	m.admitWait = prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: ns, Name: "admission_wait_seconds",
		Help: "Time a run request waited before its run started.", Buckets: secondsBuckets})
	m.rejected = prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Name: "admission_rejected_total",
		Help: "Run requests refused with 429 because the service was busy."})
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "http_requests_total",
		Help: "HTTP requests answered, by handler and status code."}, []string{"handler", "code"})
	m.reloadErrors = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "reload_errors_total",
		Help: "Script or policy files that failed to (re)load; the last good version stays in service."}, []string{"kind"})
	m.containment = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "containment_events_total",
		Help: "Containment actions taken, lifted by an operator, expired or dropped, by action (warn, tighten, revoke, quarantine) and mode (enforce, audit)."},
		[]string{"action", "event", "mode"})

	m.reg.MustRegister(m.runs, m.runDuration, m.runCPU, m.runSteps, m.runMemory, m.limitsHit, m.calls,
		m.callDuration, m.denials, m.inflight, m.admitWait, m.rejected, m.requests, m.reloadErrors, m.containment,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// gauge registers a gauge read at scrape time.
func (m *metrics) gauge(name, help string, f func() float64) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "scriptrun", Name: name, Help: help}, f))
}

// action counts a containment event (contain.Config.OnAction).
func (m *metrics) action(event string, a contain.Action) {
	ev := strings.TrimPrefix(event, "containment.")
	switch ev {
	case string(policy.Warn), string(policy.Tighten), string(policy.Revoke), string(policy.Quarantine):
		ev = "taken"
	}
	mode := "enforce"
	if a.Audit {
		mode = "audit"
	}
	m.containment.WithLabelValues(m.actions.label(string(a.Kind)), m.actionEvents.label(ev), mode).Inc()
}

var _ engine.Observer = (*metrics)(nil)

func (m *metrics) RunStarted(*engine.RunInfo) {}

func (m *metrics) HostCall(_ *engine.RunInfo, c *bridge.CallEvent) {
	capability := m.caps.label(c.Call.Capability)
	m.calls.WithLabelValues(capability, m.decisions.label(c.Outcome)).Inc()
	m.callDuration.WithLabelValues(capability).Observe(c.Duration.Seconds())
	if c.Outcome == "deny" || c.Outcome == "audit-deny" {
		rule := c.Decision.Rule
		if rule == "" {
			rule = "none"
		}
		m.denials.WithLabelValues(m.rules.label(rule)).Inc()
	}
}

func (m *metrics) RunFinished(r *engine.RunInfo, res *engine.Result, err error) {
	lang := m.langs.label(r.Script.Lang())
	outcome := "ok"
	if err != nil {
		outcome = string(engine.KindInternal)
		var e *engine.Error
		if errors.As(err, &e) {
			outcome = string(e.Kind)
			if e.Kind == engine.KindLimit {
				m.limitsHit.WithLabelValues(m.limitNames.label(e.Limit)).Inc()
			}
		}
	}
	m.runs.WithLabelValues(lang, m.outcomes.label(outcome)).Inc()
	u := res.Usage
	m.runDuration.WithLabelValues(lang).Observe(time.Since(r.Start).Seconds())
	m.runCPU.WithLabelValues(lang).Observe((time.Duration(u.CPUMs) * time.Millisecond).Seconds())
	m.runSteps.WithLabelValues(lang).Observe(float64(u.Steps))
	m.runMemory.WithLabelValues(lang).Observe(float64(u.MemoryBytes))
}
