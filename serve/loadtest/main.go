// Command loadtest drives a scriptrun serve over loopback with well-behaved
// and flooding tenants and reports what the flood costs the well-behaved
// ones.
//
// It runs two phases of the same length: the well-behaved tenants alone,
// then the same tenants while flooding tenants send CPU-bound scripts (an
// endless loop that only its budget stops) as fast as they are answered.
// For the well-behaved tenants it reports runs/s and the p50/p99 latency of
// each phase; for every tenant the status codes. It exits 1 when anything
// but 200 or 429 was answered (or a request failed), so it doubles as a
// check.
//
// By default it starts the service in this process, on 127.0.0.1, with the
// admission flags given here; -url points it at a running one instead,
// which must be on a loopback address:
//
//	go run ./serve/loadtest -duration 10s
//	go run ./serve/loadtest -url http://127.0.0.1:8080 -token-file tok
//
// The scripts are the program's own (-scripts-dir writes them out for a
// service started by hand).
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"github.com/scriptrun/scriptrun/engine/worker"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/scriptrun/scriptrun/bridge"
	"github.com/scriptrun/scriptrun/bridge/kv"
	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/engine/js"
	"github.com/scriptrun/scriptrun/engine/lua"
	"github.com/scriptrun/scriptrun/serve"
)

// transform is the well-behaved tenants' script: a small JSON transform
// of the kind integrators run per event.
const transform = `
const out = []
let total = 0
for (const item of input.items) {
  const price = Math.round(item.price * 100) / 100
  total += price * item.qty
  out.push({sku: item.sku.toUpperCase(), line: price * item.qty, tags: item.tags.filter(t => t.length > 2).sort()})
}
out.sort((a, b) => b.line - a.line)
return {total: Math.round(total * 100) / 100, lines: out.length, top: out.slice(0, 3)}
`

// spin is the flooding tenants' script: CPU until a budget stops it.
const spin = `while (true) {}`

func main() {
	// -isolation process starts this binary again as the workers.
	worker.Main(js.New(), lua.New())
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

type options struct {
	url, token, scriptsDir string
	duration               time.Duration
	good, goodTenants      int
	flood, floodTenants    int
	maxRuns, maxRunsTenant int
	maxWait                time.Duration
	isolation              string
	items                  int
	contain                bool
	goodRate               float64
	floodPause             time.Duration
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	var tokenFile string
	fs.StringVar(&o.url, "url", "", "a running service on a loopback address (default: start one in this process)")
	fs.StringVar(&tokenFile, "token-file", "", "bearer token file for -url")
	fs.StringVar(&o.scriptsDir, "scripts-dir", "", "write the scripts into this directory and exit (for a service started by hand)")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "length of each phase")
	fs.IntVar(&o.good, "good", 4, "well-behaved clients (closed loop)")
	fs.Float64Var(&o.goodRate, "good-rate", 0, "well-behaved requests per second on a fixed schedule (open loop) instead of -good clients")
	fs.IntVar(&o.goodTenants, "good-tenants", 2, "well-behaved tenants the clients are spread over")
	fs.IntVar(&o.flood, "flood", 16, "flooding clients in the second phase")
	fs.IntVar(&o.floodTenants, "flood-tenants", 2, "flooding tenants the flooding clients are spread over")
	fs.DurationVar(&o.floodPause, "flood-pause", 0, "a flooding client's pause after a refused run (quarantined or 429); 0: none, it asks again at once")
	fs.IntVar(&o.maxRuns, "max-runs", 0, "in-process service: --max-runs")
	fs.IntVar(&o.maxRunsTenant, "max-runs-per-tenant", 2, "in-process service: --max-runs-per-tenant")
	fs.DurationVar(&o.maxWait, "max-wait", time.Second, "in-process service: --max-wait")
	fs.StringVar(&o.isolation, "isolation", "inproc", "in-process service: inproc or process")
	fs.IntVar(&o.items, "items", 50, "items in the transform's input")
	fs.BoolVar(&o.contain, "contain", false, "in-process service: every tenant's policy tightens a failing CPU-heavy script's CPU budget to 20ms and quarantines a script for 1m after 3 failures in a row")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if o.scriptsDir != "" {
		if err := writeScripts(o.scriptsDir); err != nil {
			fmt.Fprintln(stderr, "loadtest:", err)
			return 2
		}
		return 0
	}
	if tokenFile != "" {
		data, err := os.ReadFile(tokenFile)
		if err != nil {
			fmt.Fprintln(stderr, "loadtest:", err)
			return 2
		}
		o.token = strings.TrimSpace(string(data))
	}
	if o.url == "" {
		u, stop, err := startService(o)
		if err != nil {
			fmt.Fprintln(stderr, "loadtest:", err)
			return 2
		}
		defer stop()
		o.url = u
	} else if err := loopbackOnly(o.url); err != nil {
		fmt.Fprintln(stderr, "loadtest:", err)
		return 2
	}
	good := fmt.Sprintf("%d well-behaved clients", o.good)
	if o.goodRate > 0 {
		good = fmt.Sprintf("well-behaved requests at %.0f/s", o.goodRate)
	}
	fmt.Fprintf(stdout, "loadtest: %s, GOMAXPROCS %d, phases of %v; %s over %d tenants, %d flooding clients over %d tenants\n",
		o.url, runtime.GOMAXPROCS(0), o.duration, good, o.goodTenants, o.flood, o.floodTenants)
	fmt.Fprintf(stdout, "admission: max-runs %d (0: default), max-runs-per-tenant %d, max-wait %v; containment rule: %v\n",
		o.maxRuns, o.maxRunsTenant, o.maxWait, o.contain)
	input := makeInput(o.items)

	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}, Timeout: 60 * time.Second}
	// Warm up: compile caches, connections, the VM pools.
	phase(c, o, input, 1*time.Second, false)
	base := phase(c, o, input, o.duration, false)
	flood := phase(c, o, input, o.duration, true)

	report(stdout, "alone", base, o.duration)
	report(stdout, "with flood", flood, o.duration)
	bt, ft := float64(base.goodOK)/o.duration.Seconds(), float64(flood.goodOK)/o.duration.Seconds()
	bp99, fp99 := pct(base.latencies, 99), pct(flood.latencies, 99)
	fmt.Fprintf(stdout, "well-behaved throughput kept: %.0f%% (goal >= 80%%); p99 ratio: %.2fx (goal <= 2x)\n",
		100*ft/bt, float64(fp99)/float64(bp99))
	bad := false
	for _, r := range []*result{base, flood} {
		for code, n := range r.codes {
			if code != 200 && code != 429 {
				fmt.Fprintf(stdout, "UNEXPECTED: %d answers with status %d\n", n, code)
				bad = true
			}
		}
		if r.failures > 0 {
			fmt.Fprintf(stdout, "UNEXPECTED: %d requests failed: %v\n", r.failures, r.firstFailure)
			bad = true
		}
	}
	if bad {
		return 1
	}
	fmt.Fprintln(stdout, "only 200 and 429 were answered")
	return 0
}

// loopbackOnly refuses a URL whose host is not a loopback address.
func loopbackOnly(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("-url %s: only loopback addresses (127.0.0.0/8, ::1, localhost)", raw)
	}
	return nil
}

func writeScripts(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "transform.js"), []byte(transform), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "spin.js"), []byte(spin), 0o644)
}

// startService starts a service in this process on 127.0.0.1.
func startService(o options) (string, func(), error) {
	dir, err := os.MkdirTemp("", "scriptrun-loadtest-")
	if err != nil {
		return "", nil, err
	}
	if err := writeScripts(dir); err != nil {
		return "", nil, err
	}
	hc := engine.Config{
		Backends:  []engine.Backend{js.New(), lua.New()},
		Modules:   []*bridge.Module{kv.Module(kv.NewMemory(), kv.Options{PerTenant: true})},
		Admission: engine.Admission{MaxRuns: o.maxRuns, MaxRunsPerTenant: o.maxRunsTenant, MaxWait: o.maxWait},
	}
	if o.isolation == "process" {
		hc.Isolation = engine.Process
	}
	cfg := serve.Config{Host: hc, Scripts: dir, Reload: -1, RetryAfter: o.maxWait}
	if o.contain {
		cfg.Policies = filepath.Join(dir, "policies")
		if err := os.Mkdir(cfg.Policies, 0o755); err != nil {
			return "", nil, err
		}
		for i := 0; i < max(o.goodTenants, o.floodTenants); i++ {
			for _, t := range []string{fmt.Sprintf("good-%d", i), fmt.Sprintf("flood-%d", i)} {
				pol := "name: " + t + "\nrules: []\ncontainment:\n  rules:\n" +
					// A script that fails after burning CPU gets a small
					// CPU budget at once; three failures in a row, and it
					// is quarantined.
					"    - name: cpu-hog\n      when: stats.failureStreak >= 1 && stats.cpu.max >= 200.0\n      action: tighten\n      limits: {cpu: 20ms}\n      for: 1m\n" +
					"    - name: crash-loop\n      when: stats.failureStreak >= 3\n      action: quarantine\n      for: 1m\n"
				if err := os.WriteFile(filepath.Join(cfg.Policies, t+".yaml"), []byte(pol), 0o644); err != nil {
					return "", nil, err
				}
			}
		}
	}
	srv, err := serve.New(cfg)
	if err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		srv.Close()
		os.RemoveAll(dir)
		return "", nil, err
	}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		os.RemoveAll(dir)
	}, nil
}

func makeInput(n int) map[string]any {
	items := make([]any, n)
	for i := range items {
		items[i] = map[string]any{"sku": fmt.Sprintf("sku-%04d", i), "price": 1.5 + float64(i%17), "qty": 1 + i%5,
			"tags": []any{"a", "blue", "sale", "xl", fmt.Sprintf("t%d", i%7)}}
	}
	return map[string]any{"items": items}
}

// result is what one phase measured.
type result struct {
	mu           sync.Mutex
	latencies    []time.Duration // well-behaved runs answered 200
	goodOK       int64
	good429      int64
	goodFailed   int64            // answered 200 with ok false
	goodDropped  int64            // open loop: not sent, 1000 outstanding
	goodKinds    map[string]int64 // those, by error kind
	flood200     int64
	flood429     int64
	floodKinds   map[string]int64 // flood runs answered 200, by outcome
	codes        map[int]int64
	failures     int64
	firstFailure error
}

func (r *result) add(code int) {
	r.mu.Lock()
	r.codes[code]++
	r.mu.Unlock()
}

func (r *result) fail(err error) {
	r.mu.Lock()
	r.failures++
	if r.firstFailure == nil {
		r.firstFailure = err
	}
	r.mu.Unlock()
}

// phase runs the clients for d and returns what they saw.
func phase(c *http.Client, o options, input map[string]any, d time.Duration, withFlood bool) *result {
	r := &result{codes: map[int]int64{}, floodKinds: map[string]int64{}, goodKinds: map[string]int64{}}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var wg sync.WaitGroup
	goodBody := func(i int) []byte {
		b, _ := json.Marshal(map[string]any{"script": "transform.js", "tenant": fmt.Sprintf("good-%d", i%o.goodTenants), "input": input})
		return b
	}
	// one sends one well-behaved request, records it and returns its
	// status (0 when it failed or the phase ended first: not counted).
	one := func(body []byte) int {
		t0 := time.Now()
		code, kind, err := postKind(ctx, c, o, body)
		if ctx.Err() != nil {
			return 0
		}
		if err != nil {
			r.fail(err)
			return 0
		}
		r.add(code)
		lat := time.Since(t0)
		switch {
		case code == 200 && kind == "ok":
			atomic.AddInt64(&r.goodOK, 1)
			r.mu.Lock()
			r.latencies = append(r.latencies, lat)
			r.mu.Unlock()
		case code == 200:
			atomic.AddInt64(&r.goodFailed, 1)
			r.mu.Lock()
			r.goodKinds[kind]++
			r.mu.Unlock()
		case code == 429:
			atomic.AddInt64(&r.good429, 1)
		}
		return code
	}
	if o.goodRate > 0 {
		// Open loop: requests on a fixed schedule, whatever the answers'
		// latency (at most 1000 outstanding; past that they are counted
		// as not sent).
		wg.Add(1)
		go func() {
			defer wg.Done()
			tick := time.NewTicker(time.Duration(float64(time.Second) / o.goodRate))
			defer tick.Stop()
			sem := make(chan struct{}, 1000)
			for i := 0; ; i++ {
				select {
				case <-ctx.Done():
					return
				case <-tick.C:
				}
				select {
				case sem <- struct{}{}:
				default:
					atomic.AddInt64(&r.goodDropped, 1)
					continue
				}
				body := goodBody(i)
				wg.Add(1)
				go func() {
					defer wg.Done()
					defer func() { <-sem }()
					one(body)
				}()
			}
		}()
	} else {
		for i := 0; i < o.good; i++ {
			body := goodBody(i)
			wg.Add(1)
			go func() {
				defer wg.Done()
				for ctx.Err() == nil {
					if one(body) == 429 {
						time.Sleep(50 * time.Millisecond) // well-behaved: back off
					}
				}
			}()
		}
	}
	if withFlood {
		for i := 0; i < o.flood; i++ {
			body, _ := json.Marshal(map[string]any{"script": "spin.js", "tenant": fmt.Sprintf("flood-%d", i%o.floodTenants)})
			wg.Add(1)
			go func() {
				defer wg.Done()
				for ctx.Err() == nil {
					code, kind, err := postKind(ctx, c, o, body)
					if ctx.Err() != nil {
						return
					}
					if err != nil {
						r.fail(err)
						continue
					}
					r.add(code)
					switch code {
					case 200:
						atomic.AddInt64(&r.flood200, 1)
						r.mu.Lock()
						r.floodKinds[kind]++
						r.mu.Unlock()
					case 429:
						// A flood ignores Retry-After.
						atomic.AddInt64(&r.flood429, 1)
					}
					if o.floodPause > 0 && (code == 429 || kind == "quarantined") {
						time.Sleep(o.floodPause)
					}
				}
			}()
		}
	}
	wg.Wait()
	return r
}

// postKind sends one run request and returns the status and the run's
// outcome: "ok" or the error's kind.
func postKind(ctx context.Context, c *http.Client, o options, body []byte) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, "POST", o.url+"/v1/run", bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	if o.token != "" {
		req.Header.Set("Authorization", "Bearer "+o.token)
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, "", err
	}
	var out struct {
		OK    bool `json:"ok"`
		Error struct {
			Kind string `json:"kind"`
		} `json:"error"`
	}
	if err := json.Unmarshal(data, &out); err != nil {
		return resp.StatusCode, "", errors.New("answer is not JSON: " + string(data))
	}
	if out.OK {
		return resp.StatusCode, "ok", nil
	}
	return resp.StatusCode, out.Error.Kind, nil
}

func pct(ls []time.Duration, p float64) time.Duration {
	if len(ls) == 0 {
		return 0
	}
	s := slices.Clone(ls)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(float64(len(s)-1) * p / 100)
	return s[i]
}

func report(w io.Writer, name string, r *result, d time.Duration) {
	fmt.Fprintf(w, "%-10s well-behaved: %6.1f runs/s ok, p50 %6.2f ms, p99 %7.2f ms, 429s %d, failed runs %d %v, not sent %d; flood: %d answered 200 %v, %d 429s; status codes %v\n",
		name, float64(r.goodOK)/d.Seconds(), ms(pct(r.latencies, 50)), ms(pct(r.latencies, 99)), r.good429, r.goodFailed, r.goodKinds, r.goodDropped,
		r.flood200, r.floodKinds, r.flood429, r.codes)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
