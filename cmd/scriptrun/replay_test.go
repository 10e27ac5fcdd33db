package main

import (
	"fmt"
	nethttp "net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// run --record then replay: the same outcome in both languages and both
// isolation modes, for ok and failed runs, with the kv store and the HTTP
// server gone by the time of the replay.
func TestRecordReplayCLI(t *testing.T) {
	ts := httptest.NewServer(nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		fmt.Fprintf(w, `{"path": %q}`, r.URL.Path)
	}))
	policy := `
name: acme
rules:
  - name: kv
    allow: ["kv.*"]
  - name: no-delete
    deny: [kv.delete]
  - name: web
    allow: [http.get, http.private, crypto.*, log.*]
`
	dir := write(t, map[string]string{
		"policy.yaml": policy,
		"kv.json":     `{"n": 41}`,
		"input.json":  fmt.Sprintf(`{"url": %q}`, ts.URL+"/orders"),
		"ok.js": `const n = host.kv.get("n") + 1; host.kv.set("n", n);
const r = host.http.get(input.url, {headers: {authorization: "Bearer x" + n}});
host.log.info("got", {status: r.status}); console.log("at", Date.now());
return {n, r: Math.random(), t: new Date().toISOString(), body: r.body, hex: host.crypto.random_hex(4)}`,
		"ok.lua": `local n = host.kv.get("n") + 1 host.kv.set("n", n)
local r = host.http.get(input.url) host.log.info("got", {status = r.status}) print("lua")
return {n = n, r = math.random(), body = r.body}`,
		"denied.js":  `host.kv.set("n", 1); host.kv.delete("n"); return 1`,
		"denied.lua": `host.kv.set("n", 1) host.kv.delete("n") return 1`,
		"throws.js":  `const v = host.kv.get("n"); throw {code: v}`,
		"limit.lua":  `host.kv.get("n") while true do end`,
	})
	cases := []struct{ script, iso string }{
		{"ok.js", "inproc"}, {"ok.lua", "inproc"}, {"ok.js", "process"}, {"ok.lua", "process"},
		{"denied.js", "inproc"}, {"denied.lua", "process"}, {"throws.js", "inproc"}, {"limit.lua", "inproc"},
	}
	for i, c := range cases {
		rec := filepath.Join(dir, fmt.Sprintf("rec%d.json", i))
		kvFile := filepath.Join(dir, fmt.Sprintf("kv%d.json", i))
		_ = os.WriteFile(kvFile, []byte(`{"n": 41}`), 0o600)
		code, stdout, stderr := cli(t, "", "run", "--log-format", "json", "--isolation", c.iso, "--steps", "100000",
			"--policy", filepath.Join(dir, "policy.yaml"), "--kv", kvFile, "--input", filepath.Join(dir, "input.json"),
			"--record", rec, filepath.Join(dir, c.script))
		if _, err := os.Stat(rec); err != nil {
			t.Fatalf("%s %s: exit %d, no recording: %v\n%s\n%s", c.script, c.iso, code, err, stdout, stderr)
		}
		if strings.Contains(stderr, "--record") {
			t.Errorf("%s %s: %s", c.script, c.iso, stderr)
		}
		ts.Config.Handler = nethttp.NotFoundHandler() // the world changes
		_ = os.WriteFile(kvFile, []byte(`{"n": 1000}`), 0o600)
		rcode, rout, rerr := cli(t, "", "replay", "--log-format", "json", "--isolation", c.iso, rec)
		if rcode != 0 || !strings.HasPrefix(rout, "replay matches: ") {
			t.Errorf("%s %s: run exit %d; replay exit %d, stdout %q\nstderr %s", c.script, c.iso, code, rcode, rout, rerr)
		}
		ts.Config.Handler = nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
			fmt.Fprintf(w, `{"path": %q}`, r.URL.Path)
		})
	}
	ts.Close()

	// A fix tried against the recording: a note, then where it differs.
	rec := filepath.Join(dir, "rec0.json")
	fixed := filepath.Join(dir, "fixed.js")
	_ = os.WriteFile(fixed, []byte(`const n = host.kv.get("n") + 2; host.kv.set("n", n); return n`), 0o600)
	code, stdout, _ := cli(t, "", "replay", "--log-format", "json", "--script", fixed, rec)
	want := "note: the script differs from the recorded one"
	if code != 1 || !strings.HasPrefix(stdout, want) || !strings.Contains(stdout, "replay diverges: host call #1 (kv.set): args.value: recording 42, replay 43\n") {
		t.Errorf("fixed script: exit %d, stdout %q", code, stdout)
	}
	// A stricter policy: the decision differs.
	strict := filepath.Join(dir, "strict.yaml")
	_ = os.WriteFile(strict, []byte("name: strict\nrules:\n  - name: kv\n    allow: [kv.get]\n"), 0o600)
	code, stdout, _ = cli(t, "", "replay", "--log-format", "json", "--policy", strict, rec)
	if code != 1 || !strings.Contains(stdout, "replay diverges: host call #1 (kv.set): decision: recording allow, replay deny") {
		t.Errorf("strict policy: exit %d, stdout %q", code, stdout)
	}
}

// Bad recordings exit 2 with the file, where, and what.
func TestReplayBadFile(t *testing.T) {
	dir := write(t, map[string]string{"s.js": `return 1`})
	rec := filepath.Join(dir, "rec.json")
	if code, out, errs := cli(t, "", "run", "--log-format", "json", "--record", rec, filepath.Join(dir, "s.js")); code != 0 {
		t.Fatalf("run: %d %s %s", code, out, errs)
	}
	data, _ := os.ReadFile(rec)
	files := map[string]string{
		"truncated.json": string(data[:len(data)-10]),
		"v9.json":        strings.Replace(string(data), `"version": 1`, `"version": 9`, 1),
		"nosrc.json":     strings.Replace(string(data), ",\n  \"source\": \"return 1\"", "", 1),
	}
	for name, content := range files {
		_ = os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600)
	}
	for _, c := range []struct{ file, want string }{
		{"truncated.json", "truncated.json:"},
		{"v9.json", "v9.json: version: version 9; this scriptrun reads version 1"},
		{"nosrc.json", "does not hold the script's source"},
		{"missing.json", "no such file"},
	} {
		code, stdout, stderr := cli(t, "", "replay", filepath.Join(dir, c.file))
		if code != 2 || stdout != "" || !strings.Contains(stderr, c.want) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want 2 and %q", c.file, code, stdout, stderr, c.want)
		}
	}
	if code, _, _ := cli(t, "", "replay", "--script", filepath.Join(dir, "s.js"), filepath.Join(dir, "nosrc.json")); code != 0 {
		t.Errorf("nosrc.json with --script: exit %d", code)
	}
	if code, stdout, _ := cli(t, "", "replay", "-h"); code != 0 || !strings.HasPrefix(stdout, "usage: scriptrun replay") {
		t.Errorf("replay -h: exit %d, %q", code, stdout)
	}
	// The recording never replaces one of the run's files.
	if code, _, stderr := cli(t, "", "run", "--record", filepath.Join(dir, "s.js"), filepath.Join(dir, "s.js")); code != 2 || !strings.Contains(stderr, "would replace") {
		t.Errorf("--record naming the script: exit %d, %q", code, stderr)
	}
	// A recording that cannot be written is an error after the result.
	code, stdout, stderr := cli(t, "", "run", "--log-format", "json", "--record", filepath.Join(dir, "no", "dir", "r.json"), filepath.Join(dir, "s.js"))
	if code != 2 || !strings.Contains(stdout, `"ok":true`) || !strings.Contains(stderr, "--record") {
		t.Errorf("unwritable recording: exit %d, %q, %q", code, stdout, stderr)
	}
}
