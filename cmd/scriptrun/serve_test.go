package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	neturl "net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestServe runs scriptrun serve as a process: a run over HTTP with the
// bearer token, the tenant's policy and a bbolt kv, then SIGTERM while a
// run is in progress: the run finishes and is answered, and the process
// exits 0.
func TestServe(t *testing.T) {
	t.Parallel()
	for _, isolation := range []string{"inproc", "process"} {
		t.Run(isolation, func(t *testing.T) {
			t.Parallel()
			dir := write(t, map[string]string{"token": "tok\n"})
			for name, body := range map[string]string{
				"scripts/count.js":   `return host.kv.incr("n")`,
				"scripts/spin.lua":   `local i = 0 while i < 20000000 do i = i + 1 end return i`,
				"policies/acme.yaml": kvPolicy,
			} {
				p := filepath.Join(dir, name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			cmd := exec.Command(os.Args[0], "serve", "--addr", "127.0.0.1:0", "--log-format", "json",
				"--scripts", filepath.Join(dir, "scripts"), "--policies", filepath.Join(dir, "policies"),
				"--kv", filepath.Join(dir, "kv.db"), "--token-file", filepath.Join(dir, "token"),
				"--isolation", isolation, "--workers", "1", "--shutdown-grace", "30s")
			cmd.Env = append(os.Environ(), cliEnv+"=1")
			stderr, err := cmd.StderrPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()
			lines := make(chan map[string]any, 100)
			var logText strings.Builder
			go func() {
				defer close(lines)
				sc := bufio.NewScanner(stderr)
				for sc.Scan() {
					logText.WriteString(sc.Text() + "\n")
					var ev map[string]any
					if json.Unmarshal(sc.Bytes(), &ev) == nil {
						lines <- ev
					}
				}
			}()
			// waitEvent waits for the next event named event (of the
			// script named script, when not "").
			waitEvent := func(event, script string) map[string]any {
				t.Helper()
				timeout := time.After(60 * time.Second)
				for {
					select {
					case ev, ok := <-lines:
						if !ok {
							t.Fatalf("serve exited before %s", event)
						}
						if ev["event"] == event && (script == "" || ev["script"] == script) {
							return ev
						}
					case <-timeout:
						t.Fatalf("no %s event", event)
					}
				}
			}
			url := "http://" + waitEvent("serve.listening", "")["addr"].(string)
			// post returns the status and the decoded answer; code 0
			// and {"error": why} when there is none.
			post := func(body, token string) (int, map[string]any) {
				req, _ := http.NewRequest("POST", url+"/v1/run", strings.NewReader(body))
				if token != "" {
					req.Header.Set("Authorization", "Bearer "+token)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					return 0, map[string]any{"error": err.Error()}
				}
				defer resp.Body.Close()
				data, _ := io.ReadAll(resp.Body)
				var out map[string]any
				if err := json.Unmarshal(data, &out); err != nil {
					return 0, map[string]any{"error": "not JSON: " + string(data)}
				}
				return resp.StatusCode, out
			}
			if code, _ := post(`{"script": "count.js", "tenant": "acme"}`, ""); code != 401 {
				t.Errorf("without the token: %d, want 401", code)
			}
			for want := 1.0; want <= 2; want++ {
				if code, out := post(`{"script": "count.js", "tenant": "acme"}`, "tok"); code != 200 || out["value"] != want {
					t.Errorf("count.js: %d %v, want 200 and %v", code, out, want)
				}
			}

			// SIGTERM while a run is in progress.
			answered := make(chan map[string]any, 1)
			go func() {
				code, out := post(`{"script": "spin.lua", "tenant": "acme"}`, "tok")
				if code != 200 {
					t.Errorf("run during shutdown: %d %v, want 200", code, out)
				}
				answered <- out
			}()
			waitEvent("run.started", "spin.lua")
			if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			// It ran to its end: its value, or its own CPU or time limit
			// where the machine is slow (-race), never the shutdown's error.
			out := <-answered
			e, _ := out["error"].(map[string]any)
			if out["ok"] == true && out["value"] != 20000000.0 || out["ok"] != true && e["kind"] != "limit" {
				t.Errorf("run in progress at SIGTERM: %v, want it finished", out)
			}
			waitEvent("serve.stopped", "")
			for range lines {
			}
			if err := cmd.Wait(); err != nil {
				t.Errorf("serve exited with %v, want 0\n%s", err, logText.String())
			}
		})
	}
}

// TestServePostgres: two serve processes (replicas) share a PostgreSQL kv,
// each tenant in its own namespace; the second is given the database by
// the PG* variables alone (--kv postgres://), as deploy/ does.
func TestServePostgres(t *testing.T) {
	t.Parallel()
	dsn := os.Getenv("SCRIPTRUN_TEST_POSTGRES")
	if dsn == "" {
		t.Skip("serve with a PostgreSQL kv NOT tested: SCRIPTRUN_TEST_POSTGRES is not set (CI sets it)")
	}
	u, err := neturl.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	pgEnv := []string{"PGHOST=" + u.Hostname(), "PGPORT=" + u.Port(), "PGUSER=" + u.User.Username(),
		"PGDATABASE=" + strings.TrimPrefix(u.Path, "/"), "PGSSLMODE=" + u.Query().Get("sslmode")}
	if pw, ok := u.User.Password(); ok {
		pgEnv = append(pgEnv, "PGPASSWORD="+pw)
	}
	dir := t.TempDir()
	for name, body := range map[string]string{
		"scripts/count.js": `return host.kv.incr("serve-test-" + input)`,
		"policies/a.yaml":  kvPolicy,
		"policies/b.yaml":  kvPolicy,
	} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	key := strconv.FormatInt(time.Now().UnixNano(), 10)
	replica := func(kvArg string, env []string) (url string, stop func()) {
		cmd := exec.Command(os.Args[0], "serve", "--addr", "127.0.0.1:0", "--log-format", "json",
			"--scripts", filepath.Join(dir, "scripts"), "--policies", filepath.Join(dir, "policies"), "--kv", kvArg)
		cmd.Env = append(append(os.Environ(), cliEnv+"=1"), env...)
		stderr, err := cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(stderr)
		var log strings.Builder
		for sc.Scan() {
			log.WriteString(sc.Text() + "\n")
			var ev map[string]any
			if json.Unmarshal(sc.Bytes(), &ev) == nil && ev["event"] == "serve.listening" {
				go io.Copy(io.Discard, stderr)
				return "http://" + ev["addr"].(string), func() {
					cmd.Process.Signal(syscall.SIGTERM)
					cmd.Wait()
				}
			}
		}
		cmd.Wait()
		t.Fatalf("serve --kv %s did not start:\n%s", kvArg, log.String())
		return "", nil
	}
	r1, stop1 := replica(dsn, nil)
	defer stop1()
	r2, stop2 := replica("postgres://", pgEnv)
	defer stop2()
	count := func(url, tenant string) any {
		resp, err := http.Post(url+"/v1/run", "application/json",
			strings.NewReader(`{"script": "count.js", "tenant": "`+tenant+`", "input": "`+key+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 {
			t.Fatalf("%d %v %v", resp.StatusCode, out, err)
		}
		return out["value"]
	}
	for i, step := range []struct {
		url, tenant string
		want        float64
	}{{r1, "a", 1}, {r2, "a", 2}, {r1, "b", 1}, {r2, "a", 3}, {r2, "b", 2}} {
		if got := count(step.url, step.tenant); got != step.want {
			t.Errorf("step %d (tenant %s): %v, want %v", i, step.tenant, got, step.want)
		}
	}
}

func TestServeUsage(t *testing.T) {
	t.Parallel()
	dir := write(t, map[string]string{"token": ""})
	for _, args := range [][]string{
		{"serve", "extra"},
		{"serve", "--token", "a", "--token-file", filepath.Join(dir, "token")},
		{"serve", "--token-file", filepath.Join(dir, "token")},
		{"serve", "--scripts", filepath.Join(dir, "missing")},
		{"serve", "--isolation", "vm"},
	} {
		if code, _, stderr := cli(t, "", args...); code != exitUsage || !strings.Contains(stderr, "scriptrun: ") {
			t.Errorf("%v: exit %d, stderr %q; want 2 and a message", args, code, stderr)
		}
	}
	if code, stdout, _ := cli(t, "", "serve", "-h"); code != 0 || !strings.Contains(stdout, "-max-runs-per-tenant N") {
		t.Errorf("serve -h: exit %d\n%s", code, stdout)
	}
}
