package serve

import (
	"bytes"
	"container/list"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/prometheus/client_golang/prometheus"
	"io"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/rs/zerolog"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
	"golang.org/x/net/netutil"

	"github.com/scriptrun/scriptrun/bridge"
	"github.com/scriptrun/scriptrun/contain"
	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/internal/runio"
	"github.com/scriptrun/scriptrun/limits"
	"github.com/scriptrun/scriptrun/policy"
)

// Config configures a Server. The zero value of every field but Host is
// the safe default.
type Config struct {
	// Host configures the engine host the service runs scripts on:
	// backends, modules, audit logger, default budget, isolation. Its
	// Observer, if set, still gets every event, after the service's own
	// metrics.
	Host engine.Config
	// Scripts is the directory of the scripts requests name (*.js, *.lua,
	// by file name or sha256); "" serves none. Policies is the directory
	// of the tenants' policies, T.yaml for tenant T; a tenant without one
	// has no capabilities. Both are read again when their files change.
	Scripts, Policies string
	// PolicyOptions are how policies load. Set Capabilities to what
	// Host.Modules provide, so a misspelt capability fails to load.
	PolicyOptions policy.Options
	// Inline lets requests carry their script's source ("source", "lang").
	Inline bool
	// Token, when set, is the bearer token the /v1/ endpoints (runs and
	// administration) require: "Authorization: Bearer TOKEN".
	Token string
	// MaxBody bounds a request body in bytes. 0: the source and input
	// budgets of Host.Budget plus 64 KiB.
	MaxBody int64
	// MaxPendingBytes bounds the request bodies held at once, read or being
	// read, through their runs (each request counts its Content-Length, or
	// MaxBody when it has none). A request past it is answered 429 before
	// its body is read: admission bounds runs, this bounds the memory of
	// the requests waiting for them. 0: 64 MiB.
	MaxPendingBytes int64
	// Reload is how often the directories are checked for changes. 0: 2 s;
	// negative: never (call Reload).
	Reload time.Duration
	// TracerProvider makes the service's spans (see TracerFromEnv); nil:
	// no tracing.
	TracerProvider trace.TracerProvider
	// Containment configures the service's containment monitor (package
	// contain), which enforces the containment rules of the tenants'
	// policies; the administration endpoints list and lift its actions.
	// Leave Host.Containment nil: the service sets it to this monitor.
	Containment contain.Config
	// RetryAfter is the Retry-After of a 429; 0: 1 s.
	RetryAfter time.Duration
	// MaxConns bounds the connections Serve holds open at once (further
	// ones wait in the listen backlog); 0: 4096. Each costs a goroutine
	// and buffers whether or not it ever sends a request.
	MaxConns int
	// ReadTimeout, WriteTimeout and IdleTimeout are those of the
	// http.Server Serve runs. 0: 30 s to read a request; to write the
	// answer, the run's timeout budget plus 30 s; 120 s idle.
	ReadTimeout, WriteTimeout, IdleTimeout time.Duration
}

// Server is the run service: an http.Handler for POST /v1/run and the
// administration, health and metrics endpoints (see the package
// documentation). It is safe for concurrent use.
type Server struct {
	cfg      Config
	host     *engine.Host
	cat      *catalog
	met      *metrics
	mon      *contain.Monitor
	log      zerolog.Logger
	tracer   trace.Tracer
	prop     propagation.TextMapPropagator
	mux      *http.ServeMux
	maxBody  int64
	budget   limits.Budget
	token    [32]byte // sha256 of cfg.Token
	inline   *inlineCache
	compiles chan struct{} // bounds inline compiles at once
	pending  byteGate      // request bodies held

	base     context.Context // every run's; canceled by a hard stop
	stop     context.CancelCauseFunc
	draining atomic.Bool
	active   sync.WaitGroup // requests being served
	poll     chan struct{}  // closed to stop the poller
	polled   chan struct{}  // closed when the poller is gone

	mu     sync.Mutex
	srv    *http.Server // set by Serve
	closed bool
}

// ErrShuttingDown is the cause of the runs a shutdown stops.
var ErrShuttingDown = errors.New("the service is shutting down")

// New validates cfg, builds the engine host, loads the directories and
// returns the Server. Files that fail to load are reported (audit log,
// metrics, GET /v1/admin/status) and left out of service; a directory that
// cannot be read is an error.
func New(cfg Config) (*Server, error) {
	if cfg.Reload == 0 {
		cfg.Reload = 2 * time.Second
	}
	if cfg.RetryAfter <= 0 {
		cfg.RetryAfter = time.Second
	}
	budget, err := limits.Resolve(limits.Default(), cfg.Host.Budget, limits.Budget{})
	if err != nil {
		return nil, fmt.Errorf("serve: Config.Host.%w", err)
	}
	if cfg.ReadTimeout <= 0 {
		cfg.ReadTimeout = 30 * time.Second
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = budget.Timeout + 30*time.Second
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = 120 * time.Second
	}
	s := &Server{cfg: cfg, budget: budget, maxBody: cfg.MaxBody, prop: propagation.TraceContext{},
		inline:   &inlineCache{max: 256, ll: list.New(), m: map[string]*list.Element{}},
		compiles: make(chan struct{}, runtime.GOMAXPROCS(0)),
		poll:     make(chan struct{}), polled: make(chan struct{})}
	if s.maxBody <= 0 {
		s.maxBody = budget.Source + budget.Input + 64<<10
	}
	s.pending.max = cfg.MaxPendingBytes
	if s.pending.max <= 0 {
		s.pending.max = 64 << 20
	}
	s.pending.max = max(s.pending.max, s.maxBody)
	s.token = sha256.Sum256([]byte(cfg.Token))
	if cfg.Host.Logger != nil {
		s.log = *cfg.Host.Logger
	} else {
		s.log = zerolog.Nop()
	}
	tp := cfg.TracerProvider
	if tp == nil {
		tp = noop.NewTracerProvider()
	}
	s.tracer = tp.Tracer(tracerName)

	langs := make([]string, 0, len(cfg.Host.Backends))
	for _, b := range cfg.Host.Backends {
		if b != nil {
			langs = append(langs, b.Lang())
		}
	}
	reg, err := bridge.NewRegistry(cfg.Host.Modules...)
	if err != nil {
		return nil, fmt.Errorf("serve: %w", err)
	}
	var caps []string
	for _, m := range reg.Modules() {
		for _, f := range m.Funcs {
			caps = append(caps, m.Name+"."+f.Name)
		}
	}
	for _, c := range cfg.PolicyOptions.Capabilities {
		caps = append(caps, c.Name)
	}
	s.met = newMetrics(langs, caps)

	if cfg.Host.Containment != nil {
		return nil, errors.New("serve: Config.Host.Containment is set; the service makes its own monitor (Config.Containment)")
	}
	cc := cfg.Containment
	if cc.Logger == nil {
		cc.Logger = cfg.Host.Logger
	}
	onAction := cc.OnAction
	cc.OnAction = func(event string, a contain.Action) {
		s.met.action(event, a)
		if onAction != nil {
			onAction(event, a)
		}
	}
	s.mon, err = contain.New(cc)
	if err != nil {
		return nil, fmt.Errorf("serve: %w", err)
	}
	hc := cfg.Host
	hc.Observer = engine.Observers(s.met, cfg.Host.Observer)
	hc.Containment = s.mon
	s.host, err = engine.NewHost(hc)
	if err != nil {
		return nil, fmt.Errorf("serve: %w", err)
	}
	s.cat = &catalog{host: s.host, scriptsDir: cfg.Scripts, polDir: cfg.Policies, popts: cfg.PolicyOptions,
		maxSource: budget.Source, log: s.log, cur: &snapshot{},
		onError: func(kind string) { s.met.reloadErrors.WithLabelValues(kind).Inc() }}
	if err := s.cat.Reload(); err != nil {
		s.host.Close()
		return nil, fmt.Errorf("serve: %w", err)
	}
	s.met.gauge("scripts", "Scripts in service.", func() float64 { n, _, _ := s.cat.counts(); return float64(n) })
	s.met.gauge("policies", "Tenant policies in force.", func() float64 { _, n, _ := s.cat.counts(); return float64(n) })
	s.met.gauge("config_files_failing", "Script and policy files that do not load as they are now (the last good version stays in service).",
		func() float64 { _, _, n := s.cat.counts(); return float64(n) })
	s.met.gauge("admission_running", "Runs admitted and going on.",
		func() float64 { return float64(s.host.Admission().Running) })
	s.met.gauge("admission_waiting", "Runs waiting for admission.",
		func() float64 { return float64(s.host.Admission().Waiting) })
	s.met.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: "scriptrun", Name: "runs_demoted_total",
		Help: "Runs throttled as long (20 ms of work) while shorter runs went on (engine.Admission)."},
		func() float64 { return float64(s.host.Admission().Demoted) }))
	s.met.gauge("containment_actions", "Containment actions in force (audit-mode ones included).",
		func() float64 { return float64(len(s.mon.Actions())) })
	s.met.gauge("workers", "Worker processes started and not retired (--isolation process).",
		func() float64 { return float64(s.host.WorkerStats().Live) })
	s.met.gauge("workers_idle", "Worker processes ready for a run.",
		func() float64 { return float64(s.host.WorkerStats().Idle) })
	s.met.gauge("workers_starting", "Worker processes being started.",
		func() float64 { return float64(s.host.WorkerStats().Starting) })

	s.base, s.stop = context.WithCancelCause(context.Background())
	s.routes()
	if cfg.Reload > 0 {
		go s.poller(cfg.Reload)
	} else {
		close(s.polled)
	}
	return s, nil
}

func (s *Server) poller(every time.Duration) {
	defer close(s.polled)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.poll:
			return
		case <-t.C:
			if err := s.cat.Reload(); err != nil {
				s.log.Error().Str("event", "serve.reload_failed").Str("error", err.Error()).Msg("serve.reload_failed")
				s.met.reloadErrors.WithLabelValues("directory").Inc()
			}
		}
	}
}

// Reload reads the scripts and policies directories again now (the
// poller does so every Config.Reload).
func (s *Server) Reload() error { return s.cat.Reload() }

// Status returns what the service has loaded from its directories.
func (s *Server) Status() Status { return s.cat.status() }

func (s *Server) routes() {
	mux := http.NewServeMux()
	mux.Handle("POST /v1/run", s.count("run", s.auth(http.HandlerFunc(s.handleRun))))
	mux.Handle("GET /v1/admin/status", s.count("status", s.auth(http.HandlerFunc(s.handleStatus))))
	mux.Handle("POST /v1/admin/reload", s.count("reload", s.auth(http.HandlerFunc(s.handleReload))))
	mux.Handle("GET /v1/admin/actions", s.count("actions", s.auth(http.HandlerFunc(s.handleActions))))
	mux.Handle("DELETE /v1/admin/actions/{id}", s.count("lift", s.auth(http.HandlerFunc(s.handleLift))))
	mux.Handle("POST /v1/admin/actions/{id}/lift", s.count("lift", s.auth(http.HandlerFunc(s.handleLift))))
	mux.Handle("GET /healthz", s.count("healthz", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})))
	mux.Handle("GET /readyz", s.count("readyz", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if s.draining.Load() {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "draining"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	})))
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.met.reg, promhttp.HandlerOpts{}))
	// Known paths asked with another method get 405 (the catch-all
	// below would otherwise answer them).
	allow := map[string]string{"/v1/run": "POST", "/v1/admin/status": "GET", "/v1/admin/reload": "POST", "/v1/admin/actions": "GET",
		"/healthz": "GET, HEAD", "/readyz": "GET, HEAD", "/metrics": "GET, HEAD"}
	mux.Handle("/", s.count("other", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if methods, ok := allow[r.URL.Path]; ok {
			w.Header().Set("Allow", methods)
			requestError(w, http.StatusMethodNotAllowed, "%s takes %s, not %s", r.URL.Path, methods, r.Method)
			return
		}
		requestError(w, http.StatusNotFound, "no endpoint %s %s (see the serve documentation)", r.Method, r.URL.Path)
	})))
	s.mux = mux
}

// ServeHTTP serves the service's endpoints.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// statusWriter records the status code a handler answered.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// count counts requests by handler and status code, and tracks the ones in
// progress for Shutdown.
func (s *Server) count(name string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.active.Add(1)
		defer s.active.Done()
		sw := &statusWriter{ResponseWriter: w}
		h.ServeHTTP(sw, r)
		if sw.code == 0 {
			sw.code = http.StatusOK
		}
		s.met.requests.WithLabelValues(name, strconv.Itoa(sw.code)).Inc()
	})
}

// auth requires the bearer token, when the service has one.
func (s *Server) auth(h http.Handler) http.Handler {
	if s.cfg.Token == "" {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		const prefix = "Bearer "
		got := r.Header.Get("Authorization")
		if len(got) < len(prefix) || !equalFold(got[:len(prefix)], prefix) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="scriptrun"`)
			requestError(w, http.StatusUnauthorized, "this service requires a bearer token (Authorization: Bearer TOKEN)")
			return
		}
		// Compared as hashes, in constant time: neither the token's
		// length nor its prefix leaks through timing.
		sum := sha256.Sum256([]byte(got[len(prefix):]))
		if subtle.ConstantTimeCompare(sum[:], s.token[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="scriptrun", error="invalid_token"`)
			requestError(w, http.StatusUnauthorized, "the bearer token is not valid")
			return
		}
		h.ServeHTTP(w, r)
	})
}

func equalFold(a, b string) bool { return bytes.EqualFold([]byte(a), []byte(b)) }

// RunRequest is the body of POST /v1/run.
type RunRequest struct {
	// Script is a file name in the scripts directory or the sha256 of a
	// script in service. Source and Lang give the script inline instead
	// (Config.Inline).
	Script string  `json:"script,omitempty"`
	Source *string `json:"source,omitempty"`
	Lang   string  `json:"lang,omitempty"`
	// Input is the script's input (any JSON; absent: null).
	Input json.RawMessage `json:"input,omitempty"`
	// Tenant and Labels are the script's identity (script.tenant and
	// script.labels in policies); the tenant's policy is Tenant.yaml.
	Tenant string            `json:"tenant,omitempty"`
	Labels map[string]string `json:"labels,omitempty"`
}

// Bounds of a request's labels: they reach every policy decision.
const (
	maxLabels     = 64
	maxLabelKey   = 128
	maxLabelValue = 1024
)

// requestErr is a bad request: its status and message.
type requestErr struct {
	code int
	msg  string
}

func badRequest(code int, format string, args ...any) *requestErr {
	return &requestErr{code: code, msg: fmt.Sprintf(format, args...)}
}

// requestJSON is the answer to a request that did not become a run.
type requestJSON struct {
	OK    bool `json:"ok"`
	Error struct {
		Kind    string `json:"kind"`
		Message string `json:"message"`
	} `json:"error"`
}

func requestError(w http.ResponseWriter, code int, format string, args ...any) {
	var out requestJSON
	out.Error.Kind = "request"
	out.Error.Message = fmt.Sprintf(format, args...)
	writeJSON(w, code, out)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		code = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString(`{"ok":false,"error":{"kind":"internal","message":"cannot encode the answer"}}` + "\n")
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(code)
	_, _ = w.Write(buf.Bytes())
}

// decodeRequest reads and checks a run request.
func (s *Server) decodeRequest(w http.ResponseWriter, r *http.Request) (*RunRequest, any, *requestErr) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.maxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, nil, badRequest(http.StatusRequestEntityTooLarge, "the request body is over %d bytes", s.maxBody)
		}
		return nil, nil, badRequest(http.StatusBadRequest, "reading the request body: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var req RunRequest
	if err := dec.Decode(&req); err != nil {
		return nil, nil, badRequest(http.StatusBadRequest, "request body: %s", describeJSONError(body, err))
	}
	if rest := bytes.TrimLeft(body[dec.InputOffset():], " \t\r\n"); len(rest) > 0 {
		return nil, nil, badRequest(http.StatusBadRequest, "request body: %s: unexpected data after the JSON object",
			runio.PosAt("body", body, int64(len(body)-len(rest))))
	}
	if req.Tenant != "" && !safeName.MatchString(req.Tenant) {
		return nil, nil, badRequest(http.StatusBadRequest,
			"tenant %q is not a valid name: letters, digits, '.', '_', '-', a letter or digit first, at most 128 bytes", req.Tenant)
	}
	if len(req.Labels) > maxLabels {
		return nil, nil, badRequest(http.StatusBadRequest, "%d labels, more than the %d allowed", len(req.Labels), maxLabels)
	}
	for k, v := range req.Labels {
		if k == "" || len(k) > maxLabelKey || len(v) > maxLabelValue {
			return nil, nil, badRequest(http.StatusBadRequest,
				"label %q: keys are 1 to %d bytes, values at most %d", trim(k), maxLabelKey, maxLabelValue)
		}
	}
	var input any
	if len(req.Input) > 0 {
		input, err = runio.Decode("input", req.Input)
		if err != nil {
			return nil, nil, badRequest(http.StatusBadRequest, "%v", err)
		}
	}
	return &req, input, nil
}

// describeJSONError says what is wrong with a request body, with the
// line:col of syntax errors.
func describeJSONError(body []byte, err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return "empty; want a JSON object"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return runio.PosAt("body", body, int64(len(body))).String() + ": unexpected end of JSON input"
	case errors.As(err, &se):
		return runio.PosAt("body", body, se.Offset-1).String() + ": " + se.Error()
	case errors.As(err, &te):
		if te.Field != "" {
			return fmt.Sprintf("field %q: want %s, got JSON %s", te.Field, te.Type, te.Value)
		}
		return fmt.Sprintf("want a JSON object, got JSON %s", te.Value)
	}
	// Unknown fields: "json: unknown field \"x\"".
	return err.Error()
}

func trim(s string) string {
	if len(s) <= 40 {
		return s
	}
	for i := 40; i > 0; i-- {
		if utf8.RuneStart(s[i]) {
			return s[:i] + "..."
		}
	}
	return ""
}

// script returns the script a request runs.
func (s *Server) script(ctx context.Context, req *RunRequest) (*engine.Script, *requestErr, error) {
	switch {
	case req.Source != nil && req.Script != "":
		return nil, badRequest(http.StatusBadRequest, "give either script or source (with lang), not both"), nil
	case req.Source != nil:
		if !s.cfg.Inline {
			return nil, badRequest(http.StatusForbidden, "this service does not run inline source (it was started without --inline); name a script instead"), nil
		}
		if req.Lang == "" {
			return nil, badRequest(http.StatusBadRequest, "inline source needs lang (js or lua)"), nil
		}
		found := false
		for _, b := range s.cfg.Host.Backends {
			found = found || b.Lang() == req.Lang
		}
		if !found {
			return nil, badRequest(http.StatusBadRequest, "unknown lang %q (want js or lua)", trim(req.Lang)), nil
		}
		sc, err := s.compileInline(ctx, req.Lang, *req.Source)
		return sc, nil, err
	case req.Script == "":
		return nil, badRequest(http.StatusBadRequest, "script is required (a file name in the scripts directory, or a sha256)"), nil
	case req.Lang != "":
		return nil, badRequest(http.StatusBadRequest, "lang goes with inline source only; a named script's language is its extension"), nil
	}
	sc, err := s.cat.script(req.Script)
	if err != nil {
		code := http.StatusNotFound
		if errors.As(err, new(errBadName)) {
			code = http.StatusBadRequest
		}
		return nil, badRequest(code, "%v", err), nil
	}
	return sc, nil, nil
}

// compileInline compiles inline source, or takes it from the cache of the
// last ones compiled. Compiles take a slot of a semaphore as wide as the
// CPUs: compiling is CPU work that no run budget covers.
func (s *Server) compileInline(ctx context.Context, lang, src string) (*engine.Script, error) {
	sum := sha256.Sum256([]byte(src))
	key := lang + ":" + hex.EncodeToString(sum[:])
	if sc := s.inline.get(key); sc != nil {
		return sc, nil
	}
	select {
	case s.compiles <- struct{}{}:
	case <-ctx.Done():
		cause := context.Cause(ctx)
		return nil, &engine.Error{Kind: engine.KindRuntime, Message: "stopped before the script compiled: " + cause.Error(), Err: cause}
	}
	defer func() { <-s.compiles }()
	sc, err := s.host.Compile(engine.Source{Name: "inline." + lang, Lang: lang, Code: src})
	if err != nil {
		return nil, err
	}
	s.inline.put(key, sc)
	return sc, nil
}

func (s *Server) handleRun(w http.ResponseWriter, r *http.Request) {
	arrived := time.Now()
	ctx := s.prop.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
	ctx, span := s.tracer.Start(ctx, "POST /v1/run", trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(attribute.String("http.request.method", r.Method), attribute.String("http.route", "/v1/run")))
	defer span.End()
	fail := func(e *requestErr) {
		span.SetAttributes(attribute.Int("http.response.status_code", e.code))
		span.SetStatus(codes.Error, e.msg)
		requestError(w, e.code, "%s", e.msg)
	}
	if s.draining.Load() {
		w.Header().Set("Connection", "close")
		fail(badRequest(http.StatusServiceUnavailable, "the service is shutting down"))
		return
	}
	size := s.maxBody
	if r.ContentLength >= 0 && r.ContentLength < size {
		size = r.ContentLength
	}
	if r.ContentLength > s.maxBody {
		fail(badRequest(http.StatusRequestEntityTooLarge, "the request body is over %d bytes", s.maxBody))
		return
	}
	if !s.pending.take(size) {
		s.met.rejected.Inc()
		w.Header().Set("Retry-After", strconv.Itoa(int((s.cfg.RetryAfter+time.Second-1)/time.Second)))
		fail(badRequest(http.StatusTooManyRequests, "the service holds as many pending requests as it may; retry later"))
		return
	}
	defer s.pending.give(size)
	req, input, rerr := s.decodeRequest(w, r)
	if rerr != nil {
		fail(rerr)
		return
	}
	// The run stops when the client goes away or a shutdown's grace
	// period is over, whichever comes first.
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stopHard := context.AfterFunc(s.base, func() { cancel(context.Cause(s.base)) })
	defer stopHard()

	script, rerr, cerr := s.script(ctx, req)
	if rerr != nil {
		fail(rerr)
		return
	}
	s.met.inflight.Inc()
	defer s.met.inflight.Dec()
	var res *engine.Result
	err := cerr
	rt := &runTracer{tracer: s.tracer, ctx: ctx}
	if err == nil {
		res, err = s.host.Run(ctx, script, engine.RunOptions{
			Input:    input,
			Policy:   s.cat.policy(req.Tenant),
			Identity: engine.Identity{Tenant: req.Tenant, Labels: req.Labels},
			Observer: rt,
		})
		if !rt.start.IsZero() {
			s.met.admitWait.Observe(rt.start.Sub(arrived).Seconds())
		}
		if res != nil && len(res.Logs) > 0 {
			runio.Logs(s.log.With().Str("tenant", req.Tenant).Logger(), script.Name(), res.Logs)
		}
	}
	if err != nil && errors.Is(context.Cause(ctx), ErrShuttingDown) {
		// Say why the run stopped: the service, not its caller, ended it.
		se := &engine.Error{Kind: engine.KindRuntime, Message: "run stopped: " + ErrShuttingDown.Error(), Err: ErrShuttingDown}
		var re *engine.Error
		if errors.As(err, &re) {
			se.Pos, se.Stack = re.Pos, re.Stack
		}
		err = se
	}
	out, e := runio.Encode(res, err, runio.Options{})
	code := http.StatusOK
	switch {
	case e != nil && busy(e):
		s.met.rejected.Inc()
		code = http.StatusTooManyRequests
		w.Header().Set("Retry-After", strconv.Itoa(int((s.cfg.RetryAfter+time.Second-1)/time.Second)))
	case e != nil && errors.Is(context.Cause(ctx), ErrShuttingDown):
		code = http.StatusServiceUnavailable
		w.Header().Set("Connection", "close")
	case e != nil && e.Kind == engine.KindInternal:
		s.log.Error().Str("event", "serve.internal_error").Str("tenant", req.Tenant).Str("script", script.Name()).
			Str("error", runio.InternalCause(e)).Msg("serve.internal_error")
	}
	span.SetAttributes(attribute.Int("http.response.status_code", code))
	if code != http.StatusOK {
		span.SetStatus(codes.Error, http.StatusText(code))
	}
	writeJSON(w, code, out)
}

// busy reports whether a run was refused by admission control.
func busy(e *engine.Error) bool { return e.Kind == engine.KindBusy }

func (s *Server) handleStatus(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.cat.status())
}

func (s *Server) handleReload(w http.ResponseWriter, _ *http.Request) {
	if err := s.cat.Reload(); err != nil {
		requestError(w, http.StatusInternalServerError, "reload: %v", err)
		return
	}
	writeJSON(w, http.StatusOK, s.cat.status())
}

// ActionJSON is a containment action as the administration endpoints show
// it.
type ActionJSON struct {
	ID     string            `json:"id"`
	Tenant string            `json:"tenant"`
	Script string            `json:"script"`
	Rule   string            `json:"rule"`
	Policy string            `json:"policy"`
	Action string            `json:"action"` // warn, tighten, revoke, quarantine
	Revoke []string          `json:"revoke,omitempty"`
	Limits map[string]string `json:"limits,omitempty"`
	Audit  bool              `json:"audit,omitempty"` // logged only (mode: audit)
	Start  time.Time         `json:"start"`
	Until  time.Time         `json:"until"`
	Reason string            `json:"reason"`
}

func actionJSON(a contain.Action) ActionJSON {
	out := ActionJSON{ID: a.ID, Tenant: a.Key.Tenant, Script: a.Key.Script, Rule: a.Rule, Policy: a.Policy,
		Action: string(a.Kind), Revoke: a.Revoke, Audit: a.Audit, Start: a.Start.UTC(), Until: a.Until.UTC(), Reason: a.Reason}
	l := a.Limits
	for _, f := range []struct {
		name string
		set  bool
		v    string
	}{
		{limits.Steps, l.Steps != 0, strconv.FormatInt(l.Steps, 10)},
		{limits.Memory, l.Memory != 0, strconv.FormatInt(l.Memory, 10)},
		{limits.Timeout, l.Timeout != 0, l.Timeout.String()},
		{limits.CPU, l.CPU != 0, l.CPU.String()},
		{limits.HostCalls, l.HostCalls != 0, strconv.FormatInt(l.HostCalls, 10)},
		{limits.Output, l.Output != 0, strconv.FormatInt(l.Output, 10)},
		{limits.Logs, l.Logs != 0, strconv.FormatInt(l.Logs, 10)},
	} {
		if f.set {
			if out.Limits == nil {
				out.Limits = map[string]string{}
			}
			out.Limits[f.name] = f.v
		}
	}
	return out
}

// Actions returns the containment actions in force, oldest first.
func (s *Server) Actions() []contain.Action { return s.mon.Actions() }

// Lift ends a containment action now (contain.ErrNoAction for an id in
// force nowhere).
func (s *Server) Lift(id string) error { return s.mon.Lift(id) }

func (s *Server) handleActions(w http.ResponseWriter, _ *http.Request) {
	acts := s.mon.Actions()
	out := struct {
		Actions []ActionJSON `json:"actions"`
	}{Actions: make([]ActionJSON, 0, len(acts))}
	for _, a := range acts {
		out.Actions = append(out.Actions, actionJSON(a))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleLift(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := s.mon.Lift(id); err != nil {
		if errors.Is(err, contain.ErrNoAction) {
			requestError(w, http.StatusNotFound, "no containment action %q in force", trim(id))
			return
		}
		requestError(w, http.StatusInternalServerError, "lift: %v", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"lifted": id})
}

// byteGate bounds a sum of sizes held at once.
type byteGate struct {
	mu        sync.Mutex
	used, max int64
}

func (g *byteGate) take(n int64) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.used+n > g.max {
		return false
	}
	g.used += n
	return true
}

func (g *byteGate) give(n int64) {
	g.mu.Lock()
	g.used -= n
	g.mu.Unlock()
}

// inlineCache keeps the last compiled inline scripts, by language and
// content.
type inlineCache struct {
	mu  sync.Mutex
	max int
	ll  *list.List // of *inlineEntry, most recent first
	m   map[string]*list.Element
}

type inlineEntry struct {
	key    string
	script *engine.Script
}

func (c *inlineCache) get(key string) *engine.Script {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.m[key]; e != nil {
		c.ll.MoveToFront(e)
		return e.Value.(*inlineEntry).script
	}
	return nil
}

func (c *inlineCache) put(key string, sc *engine.Script) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.m[key]; e != nil {
		c.ll.MoveToFront(e)
		return
	}
	c.m[key] = c.ll.PushFront(&inlineEntry{key: key, script: sc})
	for c.ll.Len() > c.max {
		last := c.ll.Back()
		c.ll.Remove(last)
		delete(c.m, last.Value.(*inlineEntry).key)
	}
}

// Serve accepts connections on ln and serves them with the configured
// timeouts until Shutdown or Close; it then returns http.ErrServerClosed.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.closed || s.srv != nil {
		s.mu.Unlock()
		ln.Close()
		return http.ErrServerClosed
	}
	s.srv = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       s.cfg.ReadTimeout,
		WriteTimeout:      s.cfg.WriteTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          nil,
	}
	srv := s.srv
	s.mu.Unlock()
	conns := s.cfg.MaxConns
	if conns <= 0 {
		conns = 4096
	}
	return srv.Serve(netutil.LimitListener(ln, conns))
}

// Shutdown stops the service gracefully: /readyz answers 503 and new runs
// are refused, Serve stops accepting connections, and the runs in progress
// finish. Those still going when ctx is done are stopped (their answer is
// a 503 with the run JSON of a canceled run); then the host is closed.
func (s *Server) Shutdown(ctx context.Context) error {
	s.draining.Store(true)
	s.mu.Lock()
	srv := s.srv
	s.mu.Unlock()
	var err error
	if srv != nil {
		err = srv.Shutdown(ctx)
	}
	done := make(chan struct{})
	go func() { s.active.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		if err == nil {
			err = ctx.Err()
		}
	}
	s.close(done)
	return err
}

// Close stops the service at once: runs in progress are stopped, open
// connections closed, and the host closed.
func (s *Server) Close() error {
	s.draining.Store(true)
	s.mu.Lock()
	srv := s.srv
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.active.Wait(); close(done) }()
	err := s.close(done)
	if srv != nil {
		err = errors.Join(err, srv.Close())
	}
	return err
}

// close stops what runs, waits (a bounded time) for the handlers to write
// their answers, and closes the host.
func (s *Server) close(handlers <-chan struct{}) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	s.stop(ErrShuttingDown)
	close(s.poll)
	<-s.polled
	// A stopped run ends within milliseconds (the watchdog interrupts its
	// VM); a host call blocked in a module that ignores its ctx is what
	// this bound is for.
	select {
	case <-handlers:
	case <-time.After(5 * time.Second):
		s.log.Warn().Str("event", "serve.shutdown_timeout").Msg("serve.shutdown_timeout")
	}
	return s.host.Close()
}
