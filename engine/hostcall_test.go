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

// hostCallBlock is the number of host calls a run of BenchmarkHostCall
// makes; the cost of a run without calls is subtracted.
const hostCallBlock = 1000

// callBackend is an engine.Backend whose "scripts" make env.Input (an int)
// calls of kv.get("acme:orders") and return the last result: the host-call
// path without any interpreter.
type callBackend struct{}

func (callBackend) Lang() string { return "calls" }

func (callBackend) Compile(engine.Source, engine.CompileLimits) (engine.Program, error) {
	return struct{}{}, nil
}

func (callBackend) Run(ctx context.Context, _ engine.Program, env *engine.Env) (any, error) {
	n, _ := env.Input.(int64)
	var res any
	for i := int64(0); i < n; i++ {
		var err error
		res, err = env.Call(ctx, "kv.get", []any{"acme:orders"})
		if err != nil {
			return nil, err
		}
	}
	return res, nil
}

// benchKV is a kv.get over a locked map, as an in-memory store does it.
func benchKV() (*bridge.Module, *bridge.Func) {
	var mu sync.Mutex
	data := map[string]any{"acme:orders": "12"}
	get := &bridge.Func{Name: "get", Params: []bridge.Param{{Name: "key", Type: bridge.String}},
		Impl: func(_ context.Context, args bridge.Args) (any, error) {
			mu.Lock()
			defer mu.Unlock()
			return data[args.String("key")], nil
		}}
	return &bridge.Module{Name: "kv", Funcs: []*bridge.Func{get}}, get
}

// discard is an io.Writer that drops what zerolog encoded, unlike
// io.Discard, which zerolog could recognise and skip.
type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// The gate gives the policy the run's live per-capability counts: a rule
// reading usage.calls sees the allowed calls before this one, at every call.
func TestGateUsageCalls(t *testing.T) {
	mod, _ := benchKV()
	h, err := engine.NewHost(engine.Config{Backends: []engine.Backend{callBackend{}}, Modules: []*bridge.Module{mod}})
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
    when: usage.calls["kv.get"] >= 3 && usage.hostCalls >= 3
`), policy.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		calls int64
		ok    bool
	}{{3, true}, {4, false}, {3, true}} {
		res, err := h.Run(context.Background(), s, engine.RunOptions{Policy: pol, Input: tc.calls})
		var e *engine.Error
		switch {
		case tc.ok && err != nil:
			t.Errorf("%d calls: %v, want success", tc.calls, err)
		case !tc.ok && (!errors.As(err, &e) || e.Kind != engine.KindDenied || e.Rule != "quota"):
			t.Errorf("%d calls: %v, want denied by quota", tc.calls, err)
		}
		if res.Usage.HostCalls != tc.calls {
			t.Errorf("%d calls: usage.hostCalls %d", tc.calls, res.Usage.HostCalls)
		}
	}
}
