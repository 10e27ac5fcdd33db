package recording_test

import (
	"bytes"
	"context"
	"fmt"
	nethttp "net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/scriptrun/scriptrun/bridge"
	"github.com/scriptrun/scriptrun/bridge/crypto"
	bridgehttp "github.com/scriptrun/scriptrun/bridge/http"
	"github.com/scriptrun/scriptrun/bridge/kv"
	bridgelog "github.com/scriptrun/scriptrun/bridge/log"
	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/engine/js"
	"github.com/scriptrun/scriptrun/engine/lua"
	"github.com/scriptrun/scriptrun/engine/worker"
	"github.com/scriptrun/scriptrun/limits"
	"github.com/scriptrun/scriptrun/policy"
	"github.com/scriptrun/scriptrun/recording"
)

// world is a host with the shipped modules over a kv store.
type world struct {
	host  *engine.Host
	reg   *bridge.Registry
	store kv.Store
}

// TestMain makes the test binary its own worker for Isolation: Process.
func TestMain(m *testing.M) {
	worker.Main(js.New(), lua.New())
	os.Exit(m.Run())
}

func newWorld(t testing.TB, store kv.Store, iso engine.Isolation) *world {
	t.Helper()
	if store == nil {
		store = kv.NewMemory()
	}
	hm, err := bridgehttp.New(bridgehttp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	mods := []*bridge.Module{kv.Module(store), crypto.Module(nil), bridgelog.Module(), hm}
	reg, err := bridge.NewRegistry(mods...)
	if err != nil {
		t.Fatal(err)
	}
	cfg := engine.Config{Backends: []engine.Backend{js.New(), lua.New()}, Modules: mods}
	if iso == engine.Process {
		cfg.Isolation, cfg.Workers = engine.Process, engine.WorkerConfig{Size: 1}
	}
	h, err := engine.NewHost(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return &world{host: h, reg: reg, store: store}
}

func mustPolicy(t testing.TB, src string) *policy.Policy {
	t.Helper()
	p, err := policy.Parse("p.yaml", []byte(src), policy.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func compile(t testing.TB, w *world, name, src string) *engine.Script {
	t.Helper()
	lang := "js"
	if strings.HasSuffix(name, ".lua") {
		lang = "lua"
	}
	s, err := w.host.Compile(engine.Source{Name: name, Lang: lang, Code: src})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// record runs s under a Recorder and returns the recording after a round
// trip through its JSON.
func record(t *testing.T, w *world, s *engine.Script, src string, pol *policy.Policy, input any, opts engine.RunOptions) (*recording.Recording, *engine.Result, error) {
	t.Helper()
	r, err := recording.NewRecorder(recording.Options{Registry: w.reg, Input: input, Source: &src})
	if err != nil {
		t.Fatal(err)
	}
	opts.Input, opts.Policy = input, pol
	opts.Observer, opts.Now = r, r.Clock(nil)
	res, runErr := w.host.Run(context.Background(), s, opts)
	rec, err := r.Recording()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := recording.Write(&buf, rec); err != nil {
		t.Fatal(err)
	}
	back, err := recording.Read(&buf)
	if err != nil {
		t.Fatalf("reading the recording back: %v\n%s", err, buf.String())
	}
	return back, res, runErr
}

func replay(t *testing.T, w *world, s *engine.Script, pol *policy.Policy, rec *recording.Recording) *recording.Report {
	t.Helper()
	rep, err := recording.Replay(context.Background(), w.host, s, pol, rec, recording.ReplayOptions{Registry: w.reg, Live: []string{"log"}})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

const allPolicy = `name: all
catchableDenials: true
rules:
  - name: kv
    allow: ["kv.*"]
  - name: crypto
    allow: ["crypto.*"]
  - name: log
    allow: ["log.*"]
  - name: web
    allow: [http.get, http.request, http.private]
  - name: no-delete
    deny: [kv.delete]
`

func server(t *testing.T) *httptest.Server {
	ts := httptest.NewServer(nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		fmt.Fprintf(w, `{"path":%q,"auth":%d,"at":%d}`, r.URL.Path, len(r.Header.Get("Authorization")), time.Now().UnixNano())
	}))
	t.Cleanup(ts.Close)
	return ts
}

const jsScript = `
const r = Math.random();
const t0 = Date.now();
const n = host.kv.get("n") ?? 0;
host.kv.set("n", n + 1);
const hex = host.crypto.random_hex(8);
const mac = host.crypto.hmac_sha256("s3cret" + "-key", "data");
const res = host.http.get(input.url + "/a", {headers: {Authorization: "Bearer tok-" + (100 + 23)}});
let denied = "";
try { host.kv.delete("n") } catch (e) { denied = e.message }
let failed = "";
try { host.crypto.random_hex(100000) } catch (e) { failed = e.message }
host.log.info("done", {n: n});
console.log("at", new Date().toISOString());
const t1 = Date.now();
return {r, t0, t1, n, hex, mac, body: JSON.parse(res.body), denied, failed, bytes: host.crypto.sha256("x")};
`

const luaScript = `
local r = math.random()
local n = host.kv.get("n") or 0
host.kv.set("n", n + 1)
local hex = host.crypto.random_hex(8)
local res = host.http.get(input.url .. "/b", {headers = {Authorization = "Bearer tok-" .. (400 + 56)}})
local ok, denied = pcall(host.kv.delete, "n")
local ok2, failed = pcall(host.crypto.random_hex, 100000)
host.log.info("done", {n = n})
print("lua done")
return {r = r, n = n, hex = hex, body = res.body, denied = tostring(denied), failed = tostring(failed)}
`

// A recorded run replays to the same value, decisions and step count, in
// both languages and both isolation modes, without calling the modules:
// the kv store and the HTTP server changed since, and nothing noticed.
func TestRecordReplay(t *testing.T) {
	for _, iso := range []engine.Isolation{engine.InProcess, engine.Process} {
		for _, c := range []struct{ name, src string }{{"s.js", jsScript}, {"s.lua", luaScript}} {
			t.Run(fmt.Sprintf("%s/iso%d", c.name, iso), func(t *testing.T) {
				if iso == engine.Process && testing.Short() {
					t.Skip("worker processes: not in -short")
				}
				ts := server(t)
				w := newWorld(t, nil, iso)
				_ = w.store.Set(context.Background(), "", "n", int64(41))
				s := compile(t, w, c.name, c.src)
				pol := mustPolicy(t, allPolicy)
				rec, res, err := record(t, w, s, c.src, pol, map[string]any{"url": ts.URL}, engine.RunOptions{})
				if err != nil {
					t.Fatalf("recorded run: %v", err)
				}
				if rec.Incomplete != "" {
					t.Fatalf("incomplete: %s", rec.Incomplete)
				}
				// Secrets: the bearer token and the HMAC key are nowhere in
				// the file; the URL the policy saw is.
				var buf bytes.Buffer
				_ = recording.Write(&buf, rec)
				for _, secret := range []string{"tok-123", "tok-456", "s3cret-key"} {
					if strings.Contains(buf.String(), secret) {
						t.Errorf("recording holds the secret %q in its args:\n%s", secret, buf.String())
					}
				}
				if !strings.Contains(buf.String(), `"$redacted": true`) || !strings.Contains(buf.String(), ts.URL) {
					t.Errorf("want redacted args and the URL in the policy's view:\n%s", buf.String())
				}

				// The world changes: the store, the server. The replay
				// does not see it.
				_ = w.store.Set(context.Background(), "", "n", int64(1000))
				ts.Close()
				rep := replay(t, w, s, pol, rec)
				if !rep.Match() {
					t.Fatalf("replay diverged: %s\nerr %v\nrecording:\n%s", rep.Divergence, rep.Err, buf.String())
				}
				if rep.Err != nil || !equalJSON(t, rep.Result.Value, res.Value) || rep.Result.Usage.Steps != res.Usage.Steps ||
					rep.Result.Usage.HostCalls != res.Usage.HostCalls {
					t.Errorf("replay %v %v (usage %+v), recorded %v (usage %+v)", rep.Result.Value, rep.Err, rep.Result.Usage, res.Value, res.Usage)
				}
				if len(rep.Notes) != 0 {
					t.Errorf("notes %q; want none", rep.Notes)
				}
				if v, _, _ := w.store.Get(context.Background(), "", "n"); v != int64(1000) {
					t.Errorf("the replay wrote to the store: n = %v", v)
				}
			})
		}
	}
}

func equalJSON(t *testing.T, a, b any) bool {
	x, err1 := recording.Value{V: a}.MarshalJSON()
	y, err2 := recording.Value{V: b}.MarshalJSON()
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	return bytes.Equal(x, y)
}

// A failed run is recorded and replays to the same error.
func TestReplayFailure(t *testing.T) {
	w := newWorld(t, nil, engine.InProcess)
	pol := mustPolicy(t, "name: strict\nrules:\n  - name: kv\n    allow: [kv.get, kv.set]\n")
	for _, c := range []struct{ name, src, kind string }{
		{"denied.js", `host.kv.set("a", 1); host.kv.delete("a"); return 1`, "denied"},
		{"throw.js", `const v = host.kv.get("a"); throw new Error("bad " + v)`, "runtime"},
		{"steps.lua", `host.kv.set("a", 2) while true do end`, "limit"},
		{"calls.js", `for (let i = 0; ; i++) host.kv.get("k" + i)`, "limit"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := compile(t, w, c.name, c.src)
			rec, _, err := record(t, w, s, c.src, pol, nil, engine.RunOptions{Budget: limits.Budget{Steps: 100000, HostCalls: 20}})
			if err == nil || rec.Outcome.OK || rec.Outcome.Error.Kind != c.kind {
				t.Fatalf("recorded run: %v, outcome %+v; want a %s error", err, rec.Outcome, c.kind)
			}
			rep := replay(t, w, s, pol, rec)
			if !rep.Match() {
				t.Fatalf("replay diverged: %s (err %v)", rep.Divergence, rep.Err)
			}
		})
	}
}

// A changed script or policy diverges, and the report says where.
func TestReplayDiverges(t *testing.T) {
	w := newWorld(t, nil, engine.InProcess)
	pol := mustPolicy(t, allPolicy)
	src := `host.kv.set("a", 1); const v = host.kv.get("a"); host.kv.set("b", v); return v`
	s := compile(t, w, "s.js", src)
	rec, _, err := record(t, w, s, src, pol, nil, engine.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, src, policy, want string
	}{
		{"same", src, allPolicy, ""},
		{"args", `host.kv.set("a", 2); return 1`, allPolicy, `host call #0 (kv.set): args.value: recording 1, replay 2`},
		{"capability", `host.kv.get("a"); return 1`, allPolicy, `host call #0 (kv.get): capability: recording kv.set, replay kv.get`},
		{"extra", src + `+ host.kv.get("z")`, allPolicy, `host call #3 (kv.get): the recording has no such call (it has 3 calls)`},
		{"fewer", `host.kv.set("a", 1); return 1`, allPolicy, `host call #1 (kv.get): recorded, but the replay made only 1 calls`},
		{"value", `host.kv.set("a", 1); const v = host.kv.get("a"); host.kv.set("b", v); return v + 1`, allPolicy, `value: recording 1, replay 2`},
		{"steps", `host.kv.set("a", 1); const v = host.kv.get("a"); host.kv.set("b", v); let x = 0; x++; return v`, allPolicy, `steps: recording`},
		{"policy", src, "name: ro\nrules:\n  - name: ro\n    allow: [kv.get]\n", `host call #0 (kv.set): decision: recording allow, replay deny`},
		{"rule", src, "name: all2\nrules:\n  - name: other\n    allow: [\"kv.*\"]\n", `host call #0 (kv.set): rule: recording "kv", replay "other"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			s2 := compile(t, w, "s.js", c.src)
			rep := replay(t, w, s2, mustPolicy(t, c.policy), rec)
			got := ""
			if rep.Divergence != nil {
				got = rep.Divergence.String()
			}
			if c.want == "" && got != "" || !strings.HasPrefix(got, c.want) {
				t.Errorf("divergence %q; want %q", got, c.want)
			}
			if changed := c.src != src; changed != (len(rep.Notes) > 0 && strings.Contains(rep.Notes[0], "script differs")) {
				t.Errorf("notes %q (script changed: %v)", rep.Notes, changed)
			}
		})
	}
}

// A host call the run's timeout cut short is replayed as one: the replay's
// call waits for the replay's own timeout, and the run ends the same way.
func TestReplayTimeoutInCall(t *testing.T) {
	block := make(chan struct{})
	ts := httptest.NewServer(nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	}))
	defer ts.Close()
	defer close(block)
	w := newWorld(t, nil, engine.InProcess)
	pol := mustPolicy(t, allPolicy)
	src := `host.kv.get("a"); let e = ""; try { host.http.get(input.url) } catch (x) { e = x.message } return e`
	s := compile(t, w, "slow.js", src)
	rec, _, err := record(t, w, s, src, pol, map[string]any{"url": ts.URL}, engine.RunOptions{Budget: limits.Budget{Timeout: 300 * time.Millisecond}})
	if err == nil || rec.Outcome.Error.Limit != "timeout" || len(rec.Calls) != 2 || rec.Calls[1].Error == nil || rec.Calls[1].Error.Kind != "stopped" {
		t.Fatalf("recorded %v; calls %d, last error %+v", err, len(rec.Calls), rec.Calls[len(rec.Calls)-1].Error)
	}
	rep := replay(t, w, s, pol, rec)
	if !rep.Match() {
		t.Errorf("replay: %v (err %v)", rep.Divergence, rep.Err)
	}
}

// A secret argument is compared as present: a replay with another key
// matches (and gets the recorded result); one without it does not.
func TestReplaySecretArg(t *testing.T) {
	w := newWorld(t, nil, engine.InProcess)
	pol := mustPolicy(t, allPolicy)
	src := `return host.crypto.hmac_sha256("k1", "d")`
	s := compile(t, w, "mac.js", src)
	rec, res, err := record(t, w, s, src, pol, nil, engine.RunOptions{})
	if err != nil || !rec.Calls[0].Args["key"].Redacted {
		t.Fatalf("recorded %v, args %+v", err, rec.Calls[0].Args)
	}
	rep := replay(t, w, compile(t, w, "mac.js", `return host.crypto.hmac_sha256("k2", "d")`), pol, rec)
	if !rep.Match() || rep.Result.Value != res.Value {
		t.Errorf("another key: %v, value %v", rep.Divergence, rep.Result.Value)
	}
	rep = replay(t, w, compile(t, w, "mac.js", `return host.crypto.hmac_sha256(null, "d")`), pol, rec)
	if rep.Match() {
		t.Error("no key: the replay matches")
	}
}

// A host call that charged the run's memory past its budget is replayed as
// one: the same limit, at the same call.
func TestReplayMemoryInCall(t *testing.T) {
	ts := httptest.NewServer(nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		w.Write(bytes.Repeat([]byte("x"), 512<<10))
	}))
	defer ts.Close()
	w := newWorld(t, nil, engine.InProcess)
	pol := mustPolicy(t, allPolicy)
	src := `host.kv.get("a"); return host.http.get(input.url).body.length`
	s := compile(t, w, "big.js", src)
	rec, _, err := record(t, w, s, src, pol, map[string]any{"url": ts.URL}, engine.RunOptions{Budget: limits.Budget{Memory: 256 << 10}})
	if err == nil || rec.Outcome.Error.Limit != "memory" || rec.Calls[1].Error == nil || rec.Calls[1].Error.Limit != "memory" {
		t.Fatalf("recorded %v; last call %+v", err, rec.Calls[len(rec.Calls)-1].Error)
	}
	if rep := replay(t, w, s, pol, rec); !rep.Match() {
		t.Errorf("replay: %v (err %v)", rep.Divergence, rep.Err)
	}
}

// The log is compared last: the same run logging another line diverges
// there; a policy in audit mode replays its would-be denials.
func TestReplayLogAndAudit(t *testing.T) {
	w := newWorld(t, nil, engine.InProcess)
	pol := mustPolicy(t, "name: audit\nmode: audit\nrules:\n  - name: get\n    allow: [kv.get, log.info]\n")
	src := `host.kv.set("a", 1); host.log.info("x", {a: 1}); console.log("a"); return 1`
	s := compile(t, w, "log.js", src)
	rec, _, err := record(t, w, s, src, pol, nil, engine.RunOptions{})
	if err != nil || rec.Calls[0].Outcome != "audit-deny" || len(rec.Logs) != 2 {
		t.Fatalf("recorded %v, calls %+v, logs %+v", err, rec.Calls, rec.Logs)
	}
	if rep := replay(t, w, s, pol, rec); !rep.Match() {
		t.Errorf("same: %v", rep.Divergence)
	}
	rep := replay(t, w, compile(t, w, "log.js", strings.Replace(src, `console.log("a")`, `console.log("b")`, 1)), pol, rec)
	if got := fmt.Sprint(rep.Divergence); got != `logs: line 1: recording info "a", replay info "b"` {
		t.Errorf("divergence %s", got)
	}
}

// The policy's now is the recorded clock: a rule that denied in 1999
// denies in the replay too.
func TestReplayPolicyClock(t *testing.T) {
	w := newWorld(t, nil, engine.InProcess)
	pol := mustPolicy(t, `name: clock
catchableDenials: true
rules:
  - name: after-2000
    allow: [kv.get]
    when: now > timestamp("2000-01-01T00:00:00Z")
`)
	src := `let r = []; for (const k of ["a", "b"]) { try { r.push(host.kv.get(k)) } catch (e) { r.push("denied") } } return [r, Date.now()]`
	s := compile(t, w, "clock.js", src)
	t0 := time.Date(1999, 12, 31, 23, 59, 59, 0, time.UTC)
	r, err := recording.NewRecorder(recording.Options{Registry: w.reg, Source: &src})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	res, err := w.host.Run(context.Background(), s, engine.RunOptions{Policy: pol, Observer: r,
		Now: r.Clock(func() time.Time { n++; return t0.Add(time.Duration(n) * time.Second) })})
	if err != nil {
		t.Fatal(err)
	}
	rec, _ := r.Recording()
	if got := fmt.Sprint(res.Value); got != "[[denied <nil>] 946684802000]" || len(rec.Clock) != 3 || rec.Calls[0].Outcome != "deny" {
		t.Fatalf("recorded %s, clock %v, calls %+v", got, rec.Clock, rec.Calls)
	}
	rep := replay(t, w, s, pol, rec)
	if !rep.Match() || fmt.Sprint(rep.Result.Value) != fmt.Sprint(res.Value) {
		t.Errorf("replay: %v, value %v", rep.Divergence, rep.Result.Value)
	}
}

// An uncaught host error is recorded with its cause, as `run` prints it,
// and replays to the same.
func TestReplayHostError(t *testing.T) {
	w := newWorld(t, nil, engine.InProcess)
	pol := mustPolicy(t, allPolicy)
	ts := httptest.NewServer(nethttp.NotFoundHandler())
	url := ts.URL
	ts.Close() // nothing listens there now: connection refused
	src := `host.kv.get("a"); return host.http.get(input.url)`
	s := compile(t, w, "fail.js", src)
	rec, _, err := record(t, w, s, src, pol, map[string]any{"url": url}, engine.RunOptions{})
	if err == nil || rec.Outcome.Error.Kind != "host" || !strings.Contains(rec.Outcome.Error.Message, "http.get: ") || rec.Calls[1].Error.Cause == "" {
		t.Fatalf("recorded %v: %+v, call %+v", err, rec.Outcome.Error, rec.Calls[1].Error)
	}
	if rep := replay(t, w, s, pol, rec); !rep.Match() {
		t.Errorf("replay: %v", rep.Divergence)
	}
}
