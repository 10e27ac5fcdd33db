package policy

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"
)

// FuzzParse checks that Parse never panics, and that Decide on whatever
// it accepts does not either.
func FuzzParse(f *testing.F) {
	if ex, err := os.ReadFile("testdata/example.yaml"); err == nil {
		f.Add(ex)
	}
	f.Add([]byte(rulesPolicy))
	f.Add([]byte("name: x\nrules:\n  - name: r\n    allow: [kv.get]\n    when: |\n      true &&\n        script.x\n"))
	f.Add([]byte("name: x\nlimits: {memory: 1XB}\nrules: [{name: a, deny: ['*'], message: \"'m'\"}]\n"))
	f.Add([]byte("a: &x [*x]\n"))
	f.Add([]byte("name: x\nrules:\n  - name: r\n    deny: ['*']\n    when: call.name in ['kv.get', 'x.y'] || usage.calls['kv.lst'] > 0 || call.module == 'kv'\n"))
	f.Add([]byte("name: x\nrules:\n  - name: r\n    allow: [kv.lst, kv.*]\n    when: args.prefix == script.labels['p'] && has(args.x)\n"))
	f.Add([]byte(containSrc))
	f.Add([]byte("name: x\naudit: {args: true}\ncontainment:\n  mode: audit\n  rules:\n    - {name: a, when: 'stats.calls[\"kv.get\"] > 1 && \"x\" in stats.newHosts', action: revoke, revoke: [kv.*], for: 1m}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 4096 {
			return
		}
		p, err := Parse("fuzz.yaml", data, Options{})
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("Parse error %T, want *Error", err)
			}
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		r := req("kv.set", map[string]any{"key": "acme:k", "value": "v", "url": "https://a.example/"})
		p.Decide(ctx, r)
		if p.Containment != nil {
			p.Containment.Eval(ctx, &Stats{Calls: map[string]int64{"kv.get": 2}, NewHosts: []string{"x"}})
		}
		// With known capabilities: more load errors, warnings, prefilled
		// usage.calls; Trace agrees with Decide on the outcome.
		p, err = Parse("fuzz.yaml", data, Options{Capabilities: testCaps})
		if err != nil {
			return
		}
		_ = p.Warnings()
		d, tr := p.Trace(ctx, r)
		if want := p.Decide(ctx, r); ctx.Err() == nil && (d.Allow != want.Allow || d.Rule != want.Rule) {
			t.Fatalf("Trace decided %+v, Decide %+v", d, want)
		}
		if len(tr) != len(p.Rules) {
			t.Fatalf("trace has %d rules, policy %d", len(tr), len(p.Rules))
		}
	})
}

// TestConcurrentDecide runs one policy from many goroutines (use -race).
func TestConcurrentDecide(t *testing.T) {
	p := mustParse(t, rulesPolicy)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 50; j++ {
				if d := p.Decide(context.Background(), req("kv.get", map[string]any{"key": "secret/x"})); d.Allow {
					t.Errorf("got allow")
					return
				}
			}
		}()
	}
	wg.Wait()
}
