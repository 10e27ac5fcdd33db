package engine_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/scriptrun/scriptrun/bridge"
	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/policy"
)

type recObserver struct {
	mu     sync.Mutex
	events []string
	seed   uint64
}

func (o *recObserver) RunStarted(r *engine.RunInfo) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.seed = r.Seed
	o.events = append(o.events, "start:"+r.Identity.Tenant)
}

func (o *recObserver) HostCall(_ *engine.RunInfo, c *bridge.CallEvent) {
	o.mu.Lock()
	defer o.mu.Unlock()
	v, _ := c.Result.(string)
	o.events = append(o.events, c.Outcome+":"+c.Call.Capability+":"+c.Decision.Rule+":"+c.Args.String("key")+"="+v)
}

func (o *recObserver) RunFinished(_ *engine.RunInfo, res *engine.Result, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var e *engine.Error
	if errors.As(err, &e) {
		o.events = append(o.events, "finish:"+string(e.Kind))
		return
	}
	o.events = append(o.events, "finish:ok")
}

// The host's and the run's observers both see a run's events in order, and
// an Answer stands in for the module: the policy still decides, the real
// function is not called.
func TestObserverAndAnswer(t *testing.T) {
	mod, _ := benchKV()
	hostObs := &recObserver{}
	h, err := engine.NewHost(engine.Config{Backends: []engine.Backend{callBackend{}}, Modules: []*bridge.Module{mod}, Observer: hostObs})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	s, err := h.Compile(engine.Source{Name: "calls", Lang: "calls"})
	if err != nil {
		t.Fatal(err)
	}
	pol, err := policy.Parse("quota.yaml", []byte(`
name: quota
rules:
  - name: kv
    allow: ["kv.*"]
  - name: quota
    deny: [kv.get]
    when: usage.calls["kv.get"] >= 2
`), policy.Options{})
	if err != nil {
		t.Fatal(err)
	}
	runObs := &recObserver{}
	answered := 0
	res, err := h.Run(context.Background(), s, engine.RunOptions{Policy: pol, Input: int64(3), Identity: engine.Identity{Tenant: "acme"},
		Observer: runObs, Seed: 7,
		Answer: func(_ context.Context, c *bridge.Call, args bridge.Args) (any, error) {
			answered++
			return "mock:" + args.String("key"), nil
		}})
	var e *engine.Error
	if !errors.As(err, &e) || e.Kind != engine.KindDenied {
		t.Fatalf("err %v, want denied on the third call", err)
	}
	if answered != 2 || res.Seed != 7 {
		t.Errorf("answered %d calls, seed %d; want 2 and 7", answered, res.Seed)
	}
	want := []string{"start:acme", "allow:kv.get:kv:acme:orders=mock:acme:orders", "allow:kv.get:kv:acme:orders=mock:acme:orders",
		"deny:kv.get:quota:acme:orders=", "finish:denied"}
	for _, o := range []*recObserver{hostObs, runObs} {
		if len(o.events) != len(want) {
			t.Fatalf("events %q, want %q", o.events, want)
		}
		for i := range want {
			if o.events[i] != want[i] {
				t.Errorf("event %d: %q, want %q", i, o.events[i], want[i])
			}
		}
	}
	// A random seed is reported too.
	res, _ = h.Run(context.Background(), s, engine.RunOptions{Input: int64(0)})
	if res.Seed == 0 || res.Seed != hostObs.seed {
		t.Errorf("seed %d, observer saw %d", res.Seed, hostObs.seed)
	}
}
