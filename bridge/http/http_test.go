package http_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	stdlog "log"
	"net"
	nethttp "net/http"
	"net/http/httptest"
	"net/netip"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/scriptrun/scriptrun/bridge"
	"github.com/scriptrun/scriptrun/bridge/http"
	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/engine/js"
	"github.com/scriptrun/scriptrun/engine/lua"
	"github.com/scriptrun/scriptrun/limits"
	"github.com/scriptrun/scriptrun/policy"
)

// loopbackPolicy allows http.get and http.request anywhere and
// connections to 127.0.0.1 only, except what its deny rules say.
const loopbackPolicy = `
name: http
rules:
  - name: fetch
    allow: [http.get, http.request]
  - name: local-test-server
    allow: [http.private]
    when: args.ip == "127.0.0.1"
  - name: no-secrets
    deny: [http.get, http.request]
    when: url(args.url).path.startsWith("/secret")
    message: "'no secrets'"
  - name: no-auth-header
    deny: [http.request]
    when: '"authorization" in args.headers'
  - name: small-bodies
    deny: [http.request]
    when: args.bodySize > 100
`

type fixture struct {
	h   *engine.Host
	log *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) events(t *testing.T, name string) []map[string]any {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(s.b.String()), "\n") {
		var ev map[string]any
		if err := json.Unmarshal([]byte(l), &ev); err != nil {
			t.Fatalf("audit line %q: %v", l, err)
		}
		if ev["event"] == name {
			out = append(out, ev)
		}
	}
	return out
}

func newFixture(t *testing.T, o http.Options) *fixture {
	t.Helper()
	mod, err := http.New(o)
	if err != nil {
		t.Fatal(err)
	}
	log := &syncBuffer{}
	zl := zerolog.New(log)
	h, err := engine.NewHost(engine.Config{Backends: []engine.Backend{js.New(), lua.New()},
		Modules: []*bridge.Module{mod}, Logger: &zl})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return &fixture{h: h, log: log}
}

func (f *fixture) run(t *testing.T, lang, code, pol string, b limits.Budget) (*engine.Result, error) {
	t.Helper()
	s, err := f.h.Compile(engine.Source{Name: "t." + lang, Lang: lang, Code: code})
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	var p *policy.Policy
	if pol != "" {
		p, err = policy.Parse("p.yaml", []byte(pol), policy.Options{})
		if err != nil {
			t.Fatal(err)
		}
	}
	return f.h.Run(context.Background(), s, engine.RunOptions{Policy: p, Budget: b})
}

func wantOK(t *testing.T, res *engine.Result, err error) any {
	t.Helper()
	if err != nil {
		t.Fatalf("run failed: %v (cause %v)", err, errors.Unwrap(err))
	}
	return res.Value
}

func wantErr(t *testing.T, err error, kind engine.Kind, detail string) *engine.Error {
	t.Helper()
	var e *engine.Error
	if !errors.As(err, &e) || e.Kind != kind || (kind == engine.KindLimit && e.Limit != detail) ||
		(kind == engine.KindDenied && e.Capability+"/"+e.Rule != detail) {
		t.Fatalf("err %v (cause %v), want %s %s", err, errors.Unwrap(err), kind, detail)
	}
	return e
}

// counting wraps a handler and counts its requests.
type counting struct {
	n atomic.Int64
	h nethttp.HandlerFunc
}

func (c *counting) ServeHTTP(w nethttp.ResponseWriter, r *nethttp.Request) {
	c.n.Add(1)
	c.h(w, r)
}

func echo() *counting {
	return &counting{h: func(w nethttp.ResponseWriter, r *nethttp.Request) {
		if strings.HasPrefix(r.URL.Path, "/r/") { // /r/N redirects N times, then to /done
			var n int
			fmt.Sscan(strings.TrimPrefix(r.URL.Path, "/r/"), &n)
			next := fmt.Sprintf("/r/%d", n-1)
			if n <= 1 {
				next = "/done"
			}
			if to := r.URL.Query().Get("to"); to != "" {
				if n <= 1 {
					next = to
				} else {
					next += "?" + r.URL.RawQuery
				}
			}
			nethttp.Redirect(w, r, next, nethttp.StatusFound)
			return
		}
		if r.URL.Path == "/ref" {
			fmt.Fprintf(w, "referer=%q", r.Referer())
			return
		}
		w.Header().Set("X-Echo", "yes")
		w.Header().Add("X-Multi", "a")
		w.Header().Add("X-Multi", "b")
		body := new(bytes.Buffer)
		body.ReadFrom(r.Body)
		fmt.Fprintf(w, "%s %s ua=%q x=%q body=%q", r.Method, r.URL.Path, r.Header.Get("User-Agent"), r.Header.Get("X-Token"), body.String())
	}}
}

func TestGetAndRequest(t *testing.T) {
	srv := echo()
	ts := httptest.NewServer(srv)
	defer ts.Close()
	f := newFixture(t, http.Options{})

	res, err := f.run(t, "js", `const r = host.http.get("`+ts.URL+`/hello?q=1", {headers: {"X-Token": "t0k"}});
		return [r.status, r.body, r.headers["x-echo"], r.headers["x-multi"], r.url]`, loopbackPolicy, limits.Budget{})
	v := wantOK(t, res, err).([]any)
	if v[0] != int64(200) || v[1] != `GET /hello ua="Go-http-client/1.1" x="t0k" body=""` || v[2] != "yes" || v[3] != "a, b" || v[4] != ts.URL+"/hello?q=1" {
		t.Errorf("get = %q", v)
	}
	// The audit event names the connected address; with LogArgs off it
	// has no args, and the policy saw header names, never values.
	evs := f.log.events(t, "host.call")
	var addr any
	for _, ev := range evs {
		if ev["capability"] == "http.get" {
			addr = ev["address"]
		}
	}
	if addr != strings.TrimPrefix(ts.URL, "http://") {
		t.Errorf("audit address %v, want %s: %v", addr, ts.URL, evs)
	}
	if strings.Contains(f.log.b.String(), "t0k") {
		t.Errorf("a header value reached the audit log")
	}

	res, err = f.run(t, "lua", `local r = host.http.request({method = "post", url = "`+ts.URL+`/p", body = "hi", headers = {["Content-Type"] = "text/plain"}})
		return r.body`, loopbackPolicy, limits.Budget{})
	if v := wantOK(t, res, err); v != `POST /p ua="Go-http-client/1.1" x="" body="hi"` {
		t.Errorf("request = %q", v)
	}

	// What the policy sees: path, header names and body size.
	before := srv.n.Load()
	for _, tc := range []struct{ code, rule string }{
		{`host.http.get("` + ts.URL + `/secret/x")`, "http.get/no-secrets"},
		{`host.http.request({url: "` + ts.URL + `/", headers: {Authorization: "Bearer x"}})`, "http.request/no-auth-header"},
		{`host.http.request({method: "PUT", url: "` + ts.URL + `/", body: "x".repeat(101)})`, "http.request/small-bodies"},
	} {
		_, err := f.run(t, "js", tc.code, loopbackPolicy, limits.Budget{})
		wantErr(t, err, engine.KindDenied, tc.rule)
	}
	if n := srv.n.Load() - before; n != 0 {
		t.Errorf("the server got %d requests the policy denied", n)
	}
}

func TestBadArgs(t *testing.T) {
	srv := echo()
	ts := httptest.NewServer(srv)
	defer ts.Close()
	f := newFixture(t, http.Options{})
	port := strings.TrimPrefix(ts.URL, "http://127.0.0.1:")
	for _, tc := range []struct{ code, want string }{
		{`host.http.get("ftp://127.0.0.1:` + port + `/")`, `scheme "ftp"`},
		{`host.http.get("http://user:pw@127.0.0.1:` + port + `/")`, "userinfo"},
		{`host.http.get("http://2130706433:` + port + `/")`, "ambiguous numeric host"},
		{`host.http.get("http://127.0.0.1:` + port + `/a/../secret")`, "dot segment"},
		{`host.http.get("http://127.0.0.1:` + port + `\\@evil/")`, "backslash"},
		{`host.http.get("` + ts.URL + `/", {headers: {Host: "evil"}})`, "may not be set"},
		{`host.http.get("` + ts.URL + `/", {headers: {"X-A": "a\r\nX-B: b"}})`, "control characters"},
		{`host.http.get("` + ts.URL + `/", {proxy: "x"})`, "unknown field"},
		{`host.http.request({method: "CONNECT", url: "` + ts.URL + `/"})`, "req.method"},
	} {
		res, err := f.run(t, "js", `try { `+tc.code+` } catch (e) { return e.name + ": " + e.message }`, loopbackPolicy, limits.Budget{})
		if s, _ := wantOK(t, res, err).(string); !strings.HasPrefix(s, "TypeError") || !strings.Contains(s, tc.want) {
			t.Errorf("%s: caught %q, want a TypeError with %q", tc.code, s, tc.want)
		}
	}
	if n := srv.n.Load(); n != 0 {
		t.Errorf("the server got %d requests", n)
	}
}

func TestPrivateRefused(t *testing.T) {
	srv := echo()
	ts := httptest.NewServer(srv)
	defer ts.Close()
	f := newFixture(t, http.Options{})
	const noPrivate = `
name: p
rules:
  - name: fetch
    allow: [http.get]
`
	// Without an http.private rule the loopback server is out of reach,
	// and a catch does not help (denials end the run).
	_, err := f.run(t, "js", `try { host.http.get("`+ts.URL+`/") } catch (e) { return "caught" }`, noPrivate, limits.Budget{})
	wantErr(t, err, engine.KindDenied, "http.private/")
	// A wildcard rule over http.* whose condition reads args.url fails to
	// evaluate on http.private (it has ip, port and host), which denies.
	wildcard := `
name: p
rules:
  - name: partner
    allow: [http.*]
    when: url(args.url).port == ` + strings.TrimPrefix(ts.URL, "http://127.0.0.1:") + `
`
	_, err = f.run(t, "js", `host.http.get("`+ts.URL+`/")`, wildcard, limits.Budget{})
	wantErr(t, err, engine.KindDenied, "http.private/partner")
	if n := srv.n.Load(); n != 0 {
		t.Errorf("the server got %d requests", n)
	}
	var denied []any
	for _, ev := range f.log.events(t, "host.call") {
		if ev["capability"] == "http.private" {
			denied = append(denied, ev["decision"], ev["via"])
		}
	}
	if len(denied) != 4 || denied[0] != "deny" || denied[1] != "http.get" {
		t.Errorf("http.private audit events: %v; want two denials via http.get", denied)
	}
}

// seqResolver answers each lookup with the next of its answers.
type seqResolver struct {
	mu      sync.Mutex
	answers [][]netip.Addr
	n       int
}

func (r *seqResolver) LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	a := r.answers[min(r.n, len(r.answers)-1)]
	r.n++
	return a, nil
}

// TestRebinding: a host name whose DNS answer changes between lookups
// cannot reach an address the policy refuses, because the check is on the
// address each connection goes to. 127.0.0.1 plays the allowed partner
// (the policy allows it), 127.0.0.2 the internal service behind it.
func TestRebinding(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("needs 127.0.0.2 on the loopback interface (Linux routes all of 127/8 there)")
	}
	partner := echo()
	ts := httptest.NewServer(partner)
	defer ts.Close()
	port := ts.Listener.Addr().(*net.TCPAddr).Port
	internal := echo()
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.2:%d", port))
	if err != nil {
		t.Fatalf("listen on 127.0.0.2:%d: %v", port, err)
	}
	is := &nethttp.Server{Handler: internal}
	go is.Serve(ln)
	defer is.Close()

	res := &seqResolver{answers: [][]netip.Addr{{netip.MustParseAddr("127.0.0.1")}, {netip.MustParseAddr("127.0.0.2")}}}
	f := newFixture(t, http.Options{Resolver: res})
	code := fmt.Sprintf(`return host.http.get("http://partner.example:%d/data").body`, port)
	r, err := f.run(t, "js", code, loopbackPolicy, limits.Budget{})
	if v := wantOK(t, r, err); v != `GET /data ua="Go-http-client/1.1" x="" body=""` {
		t.Errorf("first call: %q", v)
	}
	_, err = f.run(t, "js", code, loopbackPolicy, limits.Budget{})
	wantErr(t, err, engine.KindDenied, "http.private/")
	if partner.n.Load() != 1 || internal.n.Load() != 0 {
		t.Errorf("partner got %d requests, internal %d; want 1 and 0", partner.n.Load(), internal.n.Load())
	}
	// The same with both answers at once: the refused one is never dialed.
	res.answers, res.n = [][]netip.Addr{{netip.MustParseAddr("127.0.0.2"), netip.MustParseAddr("127.0.0.1")}}, 0
	_, err = f.run(t, "js", code, loopbackPolicy, limits.Budget{})
	wantErr(t, err, engine.KindDenied, "http.private/")
	if internal.n.Load() != 0 {
		t.Errorf("internal got %d requests", internal.n.Load())
	}
}

func TestTLS(t *testing.T) {
	srv := echo()
	ts := httptest.NewUnstartedServer(srv)
	ts.Config.ErrorLog = stdlog.New(io.Discard, "", 0) // the handshake the test makes fail
	ts.StartTLS()
	defer ts.Close()
	tcfg := ts.Client().Transport.(*nethttp.Transport).TLSClientConfig
	f := newFixture(t, http.Options{TLS: tcfg})
	res, err := f.run(t, "lua", `return host.http.get("`+ts.URL+`/s").status`, loopbackPolicy, limits.Budget{})
	if v := wantOK(t, res, err); v != int64(200) {
		t.Errorf("status %v", v)
	}
	// Without the test CA the handshake fails, as a catchable host error.
	f = newFixture(t, http.Options{})
	res, err = f.run(t, "js", `try { host.http.get("`+ts.URL+`/s") } catch (e) { return e.message }`, loopbackPolicy, limits.Budget{})
	if v, _ := wantOK(t, res, err).(string); !strings.Contains(v, "TLS handshake failed") {
		t.Errorf("untrusted cert: %q", v)
	}
}

func TestRedirects(t *testing.T) {
	srv := echo()
	ts := httptest.NewServer(srv)
	defer ts.Close()
	f := newFixture(t, http.Options{})
	catch := func(code string) string {
		t.Helper()
		res, err := f.run(t, "js", `try { return host.http.get("`+ts.URL+code+`").body } catch (e) { return "caught: " + e.message }`, loopbackPolicy, limits.Budget{})
		s, _ := wantOK(t, res, err).(string)
		return s
	}
	if got := catch("/r/5"); !strings.HasPrefix(got, "GET /done") {
		t.Errorf("5 redirects: %q", got)
	}
	// Each hop was decided by the policy as http.get with the new URL.
	var hops int
	for _, ev := range f.log.events(t, "host.call") {
		if ev["capability"] == "http.get" && ev["via"] == "http.get" {
			hops++
		}
	}
	if hops != 5 {
		t.Errorf("%d hop decisions, want 5", hops)
	}
	if got := catch("/r/1?to=/ref&token=secret"); got != `referer=""` {
		t.Errorf("redirect sent a Referer: %q", got)
	}
	if got := catch("/r/6"); !strings.Contains(got, "more than 5 redirects") {
		t.Errorf("6 redirects: %q", got)
	}
	if got := catch("/r/1?to=ftp://127.0.0.1/"); !strings.Contains(got, "redirect to a refused URL") {
		t.Errorf("redirect to ftp: %q", got)
	}
	// A hop the policy denies ends the run as denied, like a direct call.
	_, err := f.run(t, "js", `try { host.http.get("`+ts.URL+`/r/2?to=/secret/x") } catch (e) { return "caught" }`, loopbackPolicy, limits.Budget{})
	wantErr(t, err, engine.KindDenied, "http.get/no-secrets")
}

func TestHostile(t *testing.T) {
	big := strings.Repeat("x", 600<<10)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(make([]byte, 50<<20))
	zw.Close()
	srv := &counting{h: func(w nethttp.ResponseWriter, r *nethttp.Request) {
		switch r.URL.Path {
		case "/big":
			w.Write([]byte(big))
		case "/headers":
			for i := 0; i < 100; i++ {
				w.Header().Set(fmt.Sprintf("X-H%d", i), strings.Repeat("h", 1000))
			}
		case "/slow":
			w.WriteHeader(200)
			for i := 0; i < 100; i++ {
				w.Write([]byte("x"))
				w.(nethttp.Flusher).Flush()
				select {
				case <-r.Context().Done():
					return
				case <-time.After(50 * time.Millisecond):
				}
			}
		case "/gzip":
			w.Header().Set("Content-Encoding", "gzip")
			w.Write(gz.Bytes())
		default:
			w.Write([]byte("ok"))
		}
	}}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	f := newFixture(t, http.Options{})
	catch := func(code string, b limits.Budget) (string, error) {
		t.Helper()
		res, err := f.run(t, "js", `try { `+code+` } catch (e) { return "caught: " + e.message }`, loopbackPolicy, b)
		if err != nil {
			return "", err
		}
		s, _ := res.Value.(string)
		return s, nil
	}
	got, err := catch(`host.http.get("`+ts.URL+`/big")`, limits.Budget{})
	if err != nil || !strings.Contains(got, "response body over 524288 bytes") {
		t.Errorf("big body: %q, %v", got, err)
	}
	got, err = catch(`host.http.get("`+ts.URL+`/headers")`, limits.Budget{})
	if err != nil || !strings.Contains(got, "caught: http.get: request failed") {
		t.Errorf("huge headers: %q, %v", got, err)
	}
	got, err = catch(`host.http.get("`+ts.URL+`/slow", {timeout: 200})`, limits.Budget{})
	if err != nil || !strings.Contains(got, "timed out") {
		t.Errorf("slowloris with a 200ms timeout: %q, %v", got, err)
	}
	// The run's own deadline is shorter than the module's timeout: the run
	// ends with the timeout limit, not a catchable error.
	_, err = catch(`host.http.get("`+ts.URL+`/slow")`, limits.Budget{Timeout: 300 * time.Millisecond})
	wantErr(t, err, engine.KindLimit, limits.Timeout)
	// No transparent decompression: the script gets the compressed bytes.
	got, err = catch(`const r = host.http.get("`+ts.URL+`/gzip", {headers: {"Accept-Encoding": "gzip"}, responseType: "bytes"});
		return r.headers["content-encoding"] + " " + r.body.length`, limits.Budget{})
	if want := fmt.Sprintf("gzip %d", gz.Len()); err != nil || got != want {
		t.Errorf("gzip bomb: %q, %v; want %q", got, err, want)
	}
	// A body over the run's memory budget ends the run with that limit.
	_, err = catch(`host.http.get("`+ts.URL+`/big")`, limits.Budget{Memory: 200 << 10})
	wantErr(t, err, engine.KindLimit, limits.Memory)
	// Many requests from async JS: calls run one at a time, and the run's
	// request budget stops the 21st.
	got, err = catch(`const ps = []; for (let i = 0; i < 30; i++) ps.push((async () => host.http.get("`+ts.URL+`/")).call());
		const rs = await Promise.allSettled(ps);
		return rs.filter(r => r.status == "fulfilled").length + " " + rs.find(r => r.status == "rejected").reason.message`, limits.Budget{HostCalls: 1000})
	if err != nil || got != "20 http.get: more than 20 requests in this run" {
		t.Errorf("30 async requests: %q, %v", got, err)
	}
}
