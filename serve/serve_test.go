package serve_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/scriptrun/scriptrun/bridge"
	"github.com/scriptrun/scriptrun/bridge/kv"
	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/engine/js"
	"github.com/scriptrun/scriptrun/engine/lua"
	"github.com/scriptrun/scriptrun/limits"
	"github.com/scriptrun/scriptrun/serve"
)

// gate is a host module whose wait() blocks until the test opens it: what
// holds a run in progress while a test reloads, shuts down or floods.
type gate struct {
	entered chan struct{} // one value per call that started waiting
	open    chan struct{}
	once    sync.Once
}

func newGate() *gate {
	return &gate{entered: make(chan struct{}, 100), open: make(chan struct{})}
}

func (g *gate) release() { g.once.Do(func() { close(g.open) }) }

func (g *gate) module() *bridge.Module {
	return &bridge.Module{Name: "gate", Funcs: []*bridge.Func{{
		Name: "wait",
		Impl: func(ctx context.Context, _ bridge.Args) (any, error) {
			g.entered <- struct{}{}
			select {
			case <-g.open:
				return "opened", nil
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		},
	}}}
}

// fixture is a server on loopback with its directories.
type fixture struct {
	t        *testing.T
	srv      *serve.Server
	url      string
	scripts  string
	policies string
	gate     *gate
	served   chan error
}

// files of every fixture.
var baseFiles = map[string]string{
	"scripts/hello.js":   `return {hello: input.name, tenant: script.tenant, n: host.kv.incr("n")}`,
	"scripts/hello.lua":  `return {hello = input.name}`,
	"scripts/wait.js":    `return "v1:" + host.gate.wait()`,
	"scripts/loop.js":    `while (true) {}`,
	"scripts/.hidden.js": `return 1`,
	"scripts/notes.txt":  `not a script`,
	"policies/acme.yaml": "name: acme\nrules:\n  - name: acme-all\n    allow: [kv.*, gate.*]\n",
}

func start(t *testing.T, mod func(*serve.Config)) *fixture {
	t.Helper()
	dir := t.TempDir()
	for name, body := range baseFiles {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f := &fixture{t: t, scripts: filepath.Join(dir, "scripts"), policies: filepath.Join(dir, "policies"),
		gate: newGate(), served: make(chan error, 1)}
	cfg := serve.Config{
		Host: engine.Config{
			Backends: []engine.Backend{js.New(), lua.New()},
			Modules:  []*bridge.Module{kv.Module(kv.NewMemory(), kv.Options{PerTenant: true}), f.gate.module()},
			Budget:   limits.Budget{Steps: 1_000_000},
		},
		Scripts:  f.scripts,
		Policies: f.policies,
		Reload:   -1, // tests reload by hand
	}
	if mod != nil {
		mod(&cfg)
	}
	srv, err := serve.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	f.srv = srv
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f.url = "http://" + ln.Addr().String()
	go func() { f.served <- srv.Serve(ln) }()
	t.Cleanup(func() {
		f.gate.release()
		srv.Close()
	})
	return f
}

// answer is a response: status, headers and decoded JSON body.
type answer struct {
	code   int
	header http.Header
	body   map[string]any
	raw    string
}

func (f *fixture) do(method, path, body string, header ...string) answer {
	f.t.Helper()
	req, err := http.NewRequest(method, f.url+path, strings.NewReader(body))
	if err != nil {
		f.t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	a := answer{code: resp.StatusCode, header: resp.Header, raw: string(raw)}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(raw, &a.body); err != nil {
			f.t.Fatalf("%s %s: answer is not JSON: %v\n%s", method, path, err, raw)
		}
	}
	return a
}

func (f *fixture) run(body string, header ...string) answer {
	f.t.Helper()
	return f.do("POST", "/v1/run", body, header...)
}

// errField returns body.error.field.
func (a answer) errField(field string) string {
	e, _ := a.body["error"].(map[string]any)
	s, _ := e[field].(string)
	return s
}

func TestRun(t *testing.T) {
	t.Parallel()
	f := start(t, nil)
	a := f.run(`{"script": "hello.js", "tenant": "acme", "input": {"name": "ada"}, "labels": {"plan": "pro"}}`)
	if a.code != 200 {
		t.Fatalf("code %d, want 200: %s", a.code, a.raw)
	}
	if diff := cmp.Diff(map[string]any{"hello": "ada", "tenant": "acme", "n": float64(1)}, a.body["value"]); diff != "" {
		t.Errorf("value (-want +got):\n%s", diff)
	}
	if a.body["ok"] != true {
		t.Errorf("ok = %v, want true", a.body["ok"])
	}
	usage, _ := a.body["usage"].(map[string]any)
	for _, k := range []string{"steps", "memoryBytes", "cpuMs", "wallMs", "hostCalls", "outputBytes", "logBytes"} {
		if _, ok := usage[k]; !ok {
			t.Errorf("usage has no %q: %s", k, a.raw)
		}
	}

	// The same script by its sha256, in Lua, a tenant without a policy.
	var sha string
	for _, fs := range f.srv.Status().Scripts {
		if fs.File == "hello.js" {
			sha = fs.SHA256
		}
	}
	if a := f.run(`{"script": "` + sha + `", "tenant": "acme", "input": {"name": "bob"}}`); a.code != 200 || a.body["ok"] != true {
		t.Errorf("by sha256: %d %s", a.code, a.raw)
	}
	if a := f.run(`{"script": "hello.lua", "input": {"name": "lua"}}`); a.code != 200 || !strings.HasPrefix(a.raw, `{"ok":true,"value":{"hello":"lua"},"usage":{"steps":`) {
		t.Errorf("lua: %d %s", a.code, a.raw)
	}
	// No policy: no capabilities. The run's failure is a 200 with the
	// run JSON, as scriptrun run prints it.
	a = f.run(`{"script": "hello.js", "tenant": "bob", "input": {"name": "x"}}`)
	if a.code != 200 || a.body["ok"] != false || a.errField("kind") != "denied" || a.errField("capability") != "kv.incr" {
		t.Errorf("no policy: %d %s", a.code, a.raw)
	}
	a = f.run(`{"script": "loop.js"}`)
	if a.code != 200 || a.errField("kind") != "limit" || a.errField("limit") != "steps" || !strings.HasPrefix(a.errField("pos"), "loop.js:1:") {
		t.Errorf("loop: %d %s", a.code, a.raw)
	}
}

func TestBadRequests(t *testing.T) {
	t.Parallel()
	f := start(t, func(c *serve.Config) { c.MaxBody = 4096 })
	for _, tt := range []struct {
		name, body string
		code       int
		msg        string // in the error message
	}{
		{"empty", ``, 400, "empty"},
		{"not an object", `[1]`, 400, "want a JSON object"},
		{"syntax", "{\n  \"script\": \"hello.js\",,\n}", 400, "body:2:"},
		{"truncated", `{"script": "hello.js"`, 400, "unexpected end"},
		{"trailing", `{"script": "hello.js"} {}`, 400, "after the JSON object"},
		{"unknown field", `{"script": "hello.js", "budget": {}}`, 400, `unknown field "budget"`},
		{"wrong type", `{"script": 7}`, 400, `field "script"`},
		{"too big", `{"script": "hello.js", "input": "` + strings.Repeat("x", 5000) + `"}`, 413, "over 4096 bytes"},
		{"no script", `{"tenant": "acme"}`, 400, "script is required"},
		{"unknown script", `{"script": "nope.js"}`, 404, `no script "nope.js"`},
		{"hidden file", `{"script": ".hidden.js"}`, 400, "not a file name"},
		{"not a script", `{"script": "notes.txt"}`, 404, `no script "notes.txt"`},
		{"script path", `{"script": "../scripts/hello.js"}`, 400, "not a file name"},
		{"script dir", `{"script": "sub/hello.js"}`, 400, "not a file name"},
		{"unknown sha", `{"script": "` + strings.Repeat("ab", 32) + `"}`, 404, "no script in service has the sha256"},
		{"tenant traversal", `{"script": "hello.js", "tenant": "../policies/acme"}`, 400, "not a valid name"},
		{"tenant dotdot", `{"script": "hello.js", "tenant": ".."}`, 400, "not a valid name"},
		{"tenant dot", `{"script": "hello.js", "tenant": "."}`, 400, "not a valid name"},
		{"tenant slash", `{"script": "hello.js", "tenant": "a/b"}`, 400, "not a valid name"},
		{"tenant backslash", `{"script": "hello.js", "tenant": "a\\b"}`, 400, "not a valid name"},
		{"tenant nul", `{"script": "hello.js", "tenant": "acme\u0000"}`, 400, "not a valid name"},
		{"tenant long", `{"script": "hello.js", "tenant": "` + strings.Repeat("a", 129) + `"}`, 400, "not a valid name"},
		{"inline off", `{"source": "return 1", "lang": "js"}`, 403, "does not run inline source"},
		{"lang without source", `{"script": "hello.js", "lang": "lua"}`, 400, "lang goes with inline source"},
		{"bad input", `{"script": "hello.js", "input": 1e999}`, 400, "out of range"},
		{"labels", `{"script": "hello.js", "labels": {"": "x"}}`, 400, "label"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := f.run(tt.body)
			if a.code != tt.code || a.errField("kind") != "request" || !strings.Contains(a.errField("message"), tt.msg) {
				t.Errorf("got %d %s, want %d and a request error with %q", a.code, a.raw, tt.code, tt.msg)
			}
		})
	}
	if a := f.do("GET", "/v1/run", ""); a.code != 405 {
		t.Errorf("GET /v1/run: %d, want 405", a.code)
	}
	if a := f.do("GET", "/nowhere", ""); a.code != 404 || a.errField("kind") != "request" {
		t.Errorf("GET /nowhere: %d %s", a.code, a.raw)
	}
}

func TestInline(t *testing.T) {
	t.Parallel()
	f := start(t, func(c *serve.Config) { c.Inline = true })
	for i := 0; i < 2; i++ { // the second is the cached compile
		if a := f.run(`{"source": "return input * 2", "lang": "js", "input": 21}`); a.code != 200 || a.body["value"] != float64(42) {
			t.Errorf("inline: %d %s", a.code, a.raw)
		}
	}
	// A compile error is the run's outcome: 200, as scriptrun run says it.
	if a := f.run(`{"source": "return (", "lang": "lua"}`); a.code != 200 || a.errField("kind") != "compile" || a.errField("pos") == "" {
		t.Errorf("compile error: %d %s", a.code, a.raw)
	}
	for _, body := range []string{`{"source": "return 1"}`, `{"source": "return 1", "lang": "py"}`, `{"source": "return 1", "lang": "js", "script": "hello.js"}`} {
		if a := f.run(body); a.code != 400 {
			t.Errorf("%s: %d %s, want 400", body, a.code, a.raw)
		}
	}
}

func TestAuth(t *testing.T) {
	t.Parallel()
	f := start(t, func(c *serve.Config) { c.Token = "s3cret" })
	body := `{"script": "hello.lua", "input": {"name": "x"}}`
	for _, h := range [][]string{nil, {"Authorization", "Bearer wrong"}, {"Authorization", "s3cret"}, {"Authorization", "Bearer s3cret2"}} {
		if a := f.run(body, h...); a.code != 401 || a.header.Get("WWW-Authenticate") == "" || a.errField("kind") != "request" {
			t.Errorf("%v: %d %s, want 401 with WWW-Authenticate", h, a.code, a.raw)
		}
	}
	if a := f.run(body, "Authorization", "Bearer s3cret"); a.code != 200 || a.body["ok"] != true {
		t.Errorf("good token: %d %s", a.code, a.raw)
	}
	if a := f.run(body, "Authorization", "bearer s3cret"); a.code != 200 {
		t.Errorf("the scheme is case-insensitive: %d %s", a.code, a.raw)
	}
	if a := f.do("GET", "/v1/admin/status", ""); a.code != 401 {
		t.Errorf("admin without token: %d", a.code)
	}
	for _, p := range []string{"/healthz", "/readyz", "/metrics"} {
		if a := f.do("GET", p, ""); a.code != 200 {
			t.Errorf("%s needs no token: %d", p, a.code)
		}
	}
}

func write(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	// A reload notices a change by modification time and size: make sure
	// the time moves even on a coarse clock.
	later := time.Now().Add(time.Duration(len(body)+1) * time.Second)
	if err := os.Chtimes(path, later, later); err != nil {
		t.Fatal(err)
	}
}

func TestReload(t *testing.T) {
	t.Parallel()
	f := start(t, nil)
	// A run in progress keeps the script and policy it started with.
	inflight := make(chan answer, 1)
	go func() { inflight <- f.run(`{"script": "wait.js", "tenant": "acme"}`) }()
	<-f.gate.entered

	write(t, filepath.Join(f.scripts, "wait.js"), `return "v2:" + host.gate.wait()`)
	write(t, filepath.Join(f.scripts, "new.lua"), `return "new"`)
	write(t, filepath.Join(f.policies, "acme.yaml"), "name: acme\nrules:\n  - name: kv-only\n    allow: [kv.*]\n")
	if err := os.Remove(filepath.Join(f.scripts, "loop.js")); err != nil {
		t.Fatal(err)
	}
	if a := f.do("POST", "/v1/admin/reload", ""); a.code != 200 {
		t.Fatalf("reload: %d %s", a.code, a.raw)
	}
	f.gate.release()
	if a := <-inflight; a.code != 200 || a.body["value"] != "v1:opened" {
		t.Errorf("in-flight run: %d %s, want v1:opened", a.code, a.raw)
	}
	// New runs get the new files.
	if a := f.run(`{"script": "wait.js", "tenant": "acme"}`); a.errField("kind") != "denied" || a.errField("rule") != "" {
		t.Errorf("new policy: %s, want gate.wait denied", a.raw)
	}
	if a := f.run(`{"script": "new.lua"}`); a.body["value"] != "new" {
		t.Errorf("new script: %s", a.raw)
	}
	if a := f.run(`{"script": "loop.js"}`); a.code != 404 {
		t.Errorf("removed script: %d %s, want 404", a.code, a.raw)
	}

	// A version that fails keeps the last good one in service, reported.
	write(t, filepath.Join(f.scripts, "new.lua"), `return (`)
	write(t, filepath.Join(f.policies, "acme.yaml"), "name: acme\nrules:\n  - name: bad\n    allow: [kv.delte]\n    when: 'call.name =='\n")
	write(t, filepath.Join(f.policies, "bob.yaml"), "name: bob\nrules: [")
	if err := f.srv.Reload(); err != nil {
		t.Fatal(err)
	}
	if a := f.run(`{"script": "new.lua"}`); a.body["value"] != "new" {
		t.Errorf("broken script: %s, want the last good version", a.raw)
	}
	if a := f.run(`{"script": "hello.js", "tenant": "acme", "input": {"name": "x"}}`); a.body["ok"] != true {
		t.Errorf("broken policy: %s, want the last good one (kv allowed)", a.raw)
	}
	if a := f.run(`{"script": "hello.js", "tenant": "bob", "input": {"name": "x"}}`); a.errField("kind") != "denied" {
		t.Errorf("policy that never loaded: %s, want denied", a.raw)
	}
	st := f.srv.Status()
	failing := map[string]bool{}
	for _, fs := range append(st.Scripts, st.Policies...) {
		if fs.Error != "" {
			failing[fs.File] = true
		}
	}
	if diff := cmp.Diff(map[string]bool{"new.lua": true, "acme.yaml": true, "bob.yaml": true}, failing); diff != "" {
		t.Errorf("files reported failing (-want +got):\n%s", diff)
	}
	m := f.do("GET", "/metrics", "").raw
	for _, want := range []string{`scriptrun_reload_errors_total{kind="script"} 1`, `scriptrun_reload_errors_total{kind="policy"} 2`, "scriptrun_config_files_failing 3"} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %q", want)
		}
	}

	// Removing the policy takes the capabilities away.
	if err := os.Remove(filepath.Join(f.policies, "acme.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := f.srv.Reload(); err != nil {
		t.Fatal(err)
	}
	if a := f.run(`{"script": "hello.js", "tenant": "acme", "input": {"name": "x"}}`); a.errField("kind") != "denied" {
		t.Errorf("removed policy: %s, want denied", a.raw)
	}
}

// TestReloadPoller checks that the poller picks up a change on its own.
func TestReloadPoller(t *testing.T) {
	t.Parallel()
	f := start(t, func(c *serve.Config) { c.Reload = 10 * time.Millisecond })
	write(t, filepath.Join(f.scripts, "polled.js"), `return "polled"`)
	deadline := time.Now().Add(10 * time.Second)
	for {
		a := f.run(`{"script": "polled.js"}`)
		if a.code == 200 && a.body["value"] == "polled" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the poller never loaded polled.js: %d %s", a.code, a.raw)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestBusy(t *testing.T) {
	t.Parallel()
	f := start(t, func(c *serve.Config) {
		c.Host.Admission = engine.Admission{MaxRuns: 4, MaxRunsPerTenant: 1, MaxWait: -1}
		c.RetryAfter = 3 * time.Second
	})
	inflight := make(chan answer, 1)
	go func() { inflight <- f.run(`{"script": "wait.js", "tenant": "acme"}`) }()
	<-f.gate.entered
	a := f.run(`{"script": "hello.lua", "tenant": "acme", "input": {"name": "x"}}`)
	if a.code != 429 || a.header.Get("Retry-After") != "3" || a.errField("kind") != "busy" {
		t.Errorf("over the tenant's bound: %d Retry-After %q %s, want 429, 3 and kind busy", a.code, a.header.Get("Retry-After"), a.raw)
	}
	// Another tenant is not held up by acme's run.
	if a := f.run(`{"script": "hello.lua", "tenant": "bob", "input": {"name": "x"}}`); a.code != 200 {
		t.Errorf("other tenant: %d %s", a.code, a.raw)
	}
	f.gate.release()
	if a := <-inflight; a.code != 200 || a.body["ok"] != true {
		t.Errorf("held run: %d %s", a.code, a.raw)
	}
	if m := f.do("GET", "/metrics", "").raw; !strings.Contains(m, "scriptrun_admission_rejected_total 1") {
		t.Errorf("metrics lack the rejection")
	}
}

func TestShutdownGrace(t *testing.T) {
	t.Parallel()
	f := start(t, nil)
	inflight := make(chan answer, 1)
	go func() { inflight <- f.run(`{"script": "wait.js", "tenant": "acme"}`) }()
	<-f.gate.entered
	shut := make(chan error, 1)
	go func() { shut <- f.srv.Shutdown(context.Background()) }()
	// Draining: not ready, new runs refused (on the handler, not the
	// listener, which Shutdown closes: call it directly).
	deadline := time.Now().Add(10 * time.Second)
	for {
		rec := &recorder{header: http.Header{}}
		f.srv.ServeHTTP(rec, httpRequest(t, "GET", "/readyz", ""))
		if rec.code == 503 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("readyz never answered 503 while draining")
		}
		time.Sleep(time.Millisecond)
	}
	rec := &recorder{header: http.Header{}}
	f.srv.ServeHTTP(rec, httpRequest(t, "POST", "/v1/run", `{"script": "hello.lua"}`))
	if rec.code != 503 {
		t.Errorf("run while draining: %d %s, want 503", rec.code, rec.body.String())
	}
	f.gate.release()
	if a := <-inflight; a.code != 200 || a.body["value"] != "v1:opened" {
		t.Errorf("in-flight run: %d %s, want it to finish", a.code, a.raw)
	}
	if err := <-shut; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if err := <-f.served; !errors.Is(err, http.ErrServerClosed) {
		t.Errorf("Serve: %v, want ErrServerClosed", err)
	}
}

func TestShutdownCutsShort(t *testing.T) {
	t.Parallel()
	f := start(t, nil)
	inflight := make(chan answer, 1)
	go func() { inflight <- f.run(`{"script": "wait.js", "tenant": "acme"}`) }()
	<-f.gate.entered
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := f.srv.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown: %v, want the grace period's end", err)
	}
	a := <-inflight
	if a.code != 503 || a.body["ok"] != false || !strings.Contains(a.errField("message"), "shutting down") {
		t.Errorf("run cut short: %d %s, want 503 and the run JSON of a canceled run", a.code, a.raw)
	}
}

// recorder is a minimal http.ResponseWriter.
type recorder struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
	}
}
func (r *recorder) Write(b []byte) (int, error) {
	if r.code == 0 {
		r.code = 200
	}
	return r.body.Write(b)
}

func httpRequest(t *testing.T, method, path, body string) *http.Request {
	req, err := http.NewRequest(method, "http://x"+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// TestPendingBytes: request bodies held at once are bounded before they
// are read; a request past the bound is a 429.
func TestPendingBytes(t *testing.T) {
	t.Parallel()
	body := `{"script": "wait.js", "tenant": "acme", "input": "` + strings.Repeat("x", 900) + `"}`
	f := start(t, func(c *serve.Config) { c.MaxBody = 1000; c.MaxPendingBytes = 1500 })
	inflight := make(chan answer, 1)
	go func() { inflight <- f.run(body) }()
	<-f.gate.entered
	if a := f.run(body); a.code != 429 || a.header.Get("Retry-After") == "" || !strings.Contains(a.errField("message"), "pending") {
		t.Errorf("second big request: %d %s, want 429", a.code, a.raw)
	}
	// A small one still fits.
	if a := f.run(`{"script": "hello.lua", "input": {"name": "x"}}`); a.code != 200 {
		t.Errorf("small request: %d %s", a.code, a.raw)
	}
	if a := f.run(`{"script": "hello.lua", "input": "` + strings.Repeat("x", 2000) + `"}`); a.code != 413 {
		t.Errorf("declared over MaxBody: %d %s, want 413", a.code, a.raw)
	}
	f.gate.release()
	if a := <-inflight; a.code != 200 {
		t.Errorf("held request: %d %s", a.code, a.raw)
	}
	if a := f.run(body); a.code != 200 {
		t.Errorf("after the release: %d %s", a.code, a.raw)
	}
}

// TestMaxConns: connections past the bound wait until one closes.
func TestMaxConns(t *testing.T) {
	t.Parallel()
	f := start(t, func(c *serve.Config) { c.MaxConns = 1 })
	first, err := net.Dial("tcp", strings.TrimPrefix(f.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan answer, 1)
	go func() { got <- f.do("GET", "/healthz", "") }()
	select {
	case a := <-got:
		t.Fatalf("a second connection was served while the first was open: %d", a.code)
	case <-time.After(100 * time.Millisecond):
	}
	first.Close()
	if a := <-got; a.code != 200 {
		t.Errorf("after the first closed: %d", a.code)
	}
}
