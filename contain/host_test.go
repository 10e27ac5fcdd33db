package contain_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/scriptrun/scriptrun/bridge"
	"github.com/scriptrun/scriptrun/bridge/kv"
	"github.com/scriptrun/scriptrun/contain"
	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/engine/js"
	"github.com/scriptrun/scriptrun/engine/lua"
	"github.com/scriptrun/scriptrun/policy"
)

const hostPolicy = `name: tenant-kv
catchableDenials: true
rules:
  - name: own-keys
    allow: [kv.get, kv.set]
    when: args.key.startsWith(script.tenant + ":")
containment:
  rules:
    - name: probing
      when: stats.denials >= 3
      action: revoke
      revoke: [kv.*]
      for: 1h
    - name: crash-loop
      when: stats.failureStreak >= 2
      action: quarantine
      for: 1h
`

// Through engine.Host, in both languages: a script that starts denying
// loses kv mid-run (its own keys included, from the next call on, as a
// catchable denial naming the containment rule, audited like any denial);
// a script that keeps failing is refused until the operator lifts the
// quarantine, and then runs again.
func TestHostEndToEnd(t *testing.T) {
	probe := map[string]string{
		"js": `
const out = []
for (const k of ["acme:a", "other:1", "other:2", "other:3", "acme:b"]) {
  try { host.kv.get(k); out.push("ok") } catch (e) { out.push(e.message) }
}
return out`,
		"lua": `
local out = {}
for _, k in ipairs({"acme:a", "other:1", "other:2", "other:3", "acme:b"}) do
  local ok, err = pcall(function() return host.kv.get(k) end)
  if ok then out[#out+1] = "ok" else out[#out+1] = tostring(err) end
end
return out`,
	}
	crash := map[string]string{"js": `throw new Error("bad")`, "lua": `error("bad")`}
	for _, lang := range []string{"js", "lua"} {
		t.Run(lang, func(t *testing.T) {
			var buf bytes.Buffer
			log := zerolog.New(zerolog.SyncWriter(&buf))
			clk := &clock{t: time.Now()}
			mon, err := contain.New(contain.Config{Logger: &log, Now: clk.Now})
			if err != nil {
				t.Fatal(err)
			}
			h, err := engine.NewHost(engine.Config{Backends: []engine.Backend{js.New(), lua.New()},
				Modules: []*bridge.Module{kv.Module(kv.NewMemory())}, Logger: &log, Containment: mon})
			if err != nil {
				t.Fatal(err)
			}
			defer h.Close()
			pol, err := policy.Parse("tenant-kv.yaml", []byte(hostPolicy), policy.Options{})
			if err != nil {
				t.Fatal(err)
			}
			opts := engine.RunOptions{Policy: pol, Identity: engine.Identity{Tenant: "acme"}}
			s, err := h.Compile(engine.Source{Name: "probe." + lang, Lang: lang, Code: probe[lang]})
			if err != nil {
				t.Fatal(err)
			}
			res, err := h.Run(context.Background(), s, opts)
			if err != nil {
				t.Fatal(err)
			}
			out, _ := res.Value.([]any)
			if len(out) != 5 || out[0] != "ok" || !strings.Contains(out[1].(string), "denied") ||
				!strings.Contains(out[4].(string), "kv.get is revoked by containment rule \"probing\"") {
				t.Fatalf("results %q; want ok, three denials, then kv.get revoked", out)
			}
			// The revocation is audited like a policy denial.
			var denied []map[string]any
			for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
				var ev map[string]any
				if err := json.Unmarshal([]byte(l), &ev); err != nil {
					t.Fatal(err)
				}
				if ev["event"] == "policy.denied" && ev["rule"] == "containment:probing" {
					denied = append(denied, ev)
				}
			}
			if len(denied) != 1 || denied[0]["capability"] != "kv.get" {
				t.Errorf("policy.denied events of containment:probing: %v", denied)
			}
			// The next run has no kv from its first call.
			res, err = h.Run(context.Background(), s, opts)
			if out, _ := res.Value.([]any); err != nil || len(out) != 5 || !strings.Contains(out[0].(string), "revoked") {
				t.Errorf("second run: %q, %v; want kv revoked from the first call", out, err)
			}

			// Two failures in a row: quarantined.
			bad, err := h.Compile(engine.Source{Name: "bad." + lang, Lang: lang, Code: crash[lang]})
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 2; i++ {
				if _, err := h.Run(context.Background(), bad, opts); !errors.Is(err, &engine.Error{Kind: engine.KindRuntime}) {
					t.Fatalf("bad run %d: %v", i, err)
				}
			}
			_, err = h.Run(context.Background(), bad, opts)
			var e *engine.Error
			if !errors.As(err, &e) || e.Kind != engine.KindQuarantined || e.Rule != "containment:crash-loop" {
				t.Fatalf("third run: %v; want quarantined by containment:crash-loop", err)
			}
			// Fixed and uploaded again under the same name: still refused.
			fixed, err := h.Compile(engine.Source{Name: "bad." + lang, Lang: lang, Code: "return 1"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := h.Run(context.Background(), fixed, opts); !errors.Is(err, engine.ErrQuarantined) {
				t.Fatalf("re-uploaded: %v; want still quarantined", err)
			}
			for _, a := range mon.Actions() {
				if a.Kind == policy.Quarantine {
					if err := mon.Lift(a.ID); err != nil {
						t.Fatal(err)
					}
				}
			}
			res, err = h.Run(context.Background(), fixed, opts)
			if err != nil || res.Value != int64(1) {
				t.Errorf("lifted: %v, %v; want 1", res.Value, err)
			}
		})
	}
}

// Runs of many scripts at once through a host, while rules fire and an
// operator lifts actions: no race (run with -race), and every run ends
// as ok, denied or quarantined.
func TestHostConcurrent(t *testing.T) {
	mon, err := contain.New(contain.Config{})
	if err != nil {
		t.Fatal(err)
	}
	h, err := engine.NewHost(engine.Config{Backends: []engine.Backend{js.New()},
		Modules: []*bridge.Module{kv.Module(kv.NewMemory())}, Containment: mon})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	pol, err := policy.Parse("tenant-kv.yaml", []byte(hostPolicy), policy.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var scripts []*engine.Script
	for _, code := range []string{`host.kv.get("acme:a"); return 1`, `host.kv.get("other:a"); return 1`,
		`try { host.kv.get("other:a") } catch (e) {} return host.kv.get("acme:b")`, `throw new Error("x")`} {
		s, err := h.Compile(engine.Source{Name: fmt.Sprintf("s%d.js", len(scripts)), Lang: "js", Code: code})
		if err != nil {
			t.Fatal(err)
		}
		scripts = append(scripts, s)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 50; i++ {
			for _, a := range mon.Actions() {
				_ = mon.Lift(a.ID)
			}
			time.Sleep(time.Millisecond)
		}
	}()
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 40; i++ {
				s := scripts[(g+i)%len(scripts)]
				_, err := h.Run(context.Background(), s, engine.RunOptions{Policy: pol, Identity: engine.Identity{Tenant: "acme"}})
				var e *engine.Error
				if err != nil && (!errors.As(err, &e) || e.Kind != engine.KindDenied && e.Kind != engine.KindQuarantined && e.Kind != engine.KindRuntime) {
					t.Errorf("%s: %v", s.Name(), err)
				}
			}
		}()
	}
	wg.Wait()
	<-done
}
