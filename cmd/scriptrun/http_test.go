package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	nethttp "net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunHTTPLog fetches from a local server with the http module and logs
// with the log module: the policy must allow the loopback address
// (http.private), the audit event names the connected address, and the
// log line keeps its fields.
func TestRunHTTPLog(t *testing.T) {
	t.Parallel()
	ts := httptest.NewServer(nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		fmt.Fprintf(w, `{"orders": [1, 2, 3], "path": %q}`, r.URL.Path)
	}))
	defer ts.Close()
	policy := `
name: partner
rules:
  - name: partner
    allow: [http.get]
    when: url(args.url).host == "127.0.0.1"
  - name: local-partner
    allow: [http.private]
    when: args.ip == "127.0.0.1"
  - name: log
    allow: [log.*]
`
	dir := write(t, map[string]string{
		"policy.yaml":   policy,
		"strict.yaml":   "name: strict\nrules:\n  - name: partner\n    allow: [http.get]\n",
		"fetch.js":      `const r = host.http.get(input.url); const n = JSON.parse(r.body).orders.length; host.log.info("fetched", {n: n, status: r.status}); return n`,
		"fetch.lua":     `local r = host.http.get(input.url) host.log.warn("fetched", {status = r.status}) return r.status`,
		"input.json":    fmt.Sprintf(`{"url": %q}`, ts.URL+"/orders"),
		"internal.json": fmt.Sprintf(`{"url": %q}`, ts.URL+"/admin"),
	})
	code, stdout, stderr := cli(t, "", "run", "--log-format", "json", "--policy", filepath.Join(dir, "policy.yaml"),
		"--input", filepath.Join(dir, "input.json"), filepath.Join(dir, "fetch.js"))
	if code != 0 || strings.TrimSpace(string(decode(t, stdout).Value)) != "3" {
		t.Fatalf("exit %d, stdout %s\nstderr: %s", code, stdout, stderr)
	}
	var addr, fields string
	sc := bufio.NewScanner(strings.NewReader(stderr))
	for sc.Scan() {
		var ev map[string]any
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("stderr line is not JSON: %s", sc.Text())
		}
		if ev["event"] == "host.call" && ev["capability"] == "http.get" {
			addr, _ = ev["address"].(string)
		}
		if ev["event"] == "script.log" {
			b, _ := json.Marshal(ev["fields"])
			fields = ev["scriptLevel"].(string) + " " + ev["message"].(string) + " " + string(b)
		}
	}
	if addr != strings.TrimPrefix(ts.URL, "http://") || fields != `info fetched {"n":3,"status":200}` {
		t.Errorf("audit address %q, log line %q\nstderr: %s", addr, fields, stderr)
	}

	code, stdout, _ = cli(t, "", "run", "--policy", filepath.Join(dir, "policy.yaml"),
		"--input", filepath.Join(dir, "input.json"), filepath.Join(dir, "fetch.lua"))
	if code != 0 || strings.TrimSpace(string(decode(t, stdout).Value)) != "200" {
		t.Errorf("lua: exit %d, stdout %s", code, stdout)
	}

	// Without an http.private rule the loopback server is refused: exit 4.
	code, stdout, _ = cli(t, "", "run", "--policy", filepath.Join(dir, "strict.yaml"),
		"--input", filepath.Join(dir, "internal.json"), filepath.Join(dir, "fetch.js"))
	if code != 4 || !strings.Contains(stdout, `"capability":"http.private"`) {
		t.Errorf("no http.private rule: exit %d, stdout %s; want 4, denied http.private", code, stdout)
	}
}

// TestHostFailureCause: when a host function fails (here: nothing listens
// on the port) and the script does not catch it, the CLI's message and the
// audit log say why; the script itself saw only that the call failed.
func TestHostFailureCause(t *testing.T) {
	t.Parallel()
	ts := httptest.NewServer(nethttp.NotFoundHandler())
	url := ts.URL
	ts.Close() // nothing listens there now
	dir := write(t, map[string]string{
		"policy.yaml": "name: p\nrules:\n  - name: all\n    allow: [http.get, http.private]\n",
		"fail.js":     fmt.Sprintf(`let seen; try { host.http.get(%q) } catch (e) { seen = e.message } host.http.get(%[1]q); return seen`, url+"/x"),
	})
	code, stdout, stderr := cli(t, "", "run", "--log-format", "json", "--policy", filepath.Join(dir, "policy.yaml"), filepath.Join(dir, "fail.js"))
	var out struct {
		Error struct{ Kind, Message string }
	}
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatalf("stdout %q: %v", stdout, err)
	}
	if code != exitHost || out.Error.Kind != "host" || !strings.Contains(out.Error.Message, "connection refused") {
		t.Errorf("exit %d, error %+v; want exit %d, a host error whose message says the connection was refused", code, out.Error, exitHost)
	}
	var callErr, finishedCause string
	sc := bufio.NewScanner(strings.NewReader(stderr))
	for sc.Scan() {
		var ev map[string]any
		if json.Unmarshal(sc.Bytes(), &ev) != nil {
			continue
		}
		switch ev["event"] {
		case "host.call":
			if ev["capability"] == "http.get" {
				callErr, _ = ev["error"].(string)
			}
		case "run.finished":
			finishedCause, _ = ev["cause"].(string)
		}
	}
	if !strings.Contains(callErr, "connection refused") || !strings.Contains(finishedCause, "connection refused") {
		t.Errorf("audit: host.call error %q, run.finished cause %q; want both to say why\nstderr: %s", callErr, finishedCause, stderr)
	}
}
