package engine_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/scriptrun/scriptrun/bridge"
	"github.com/scriptrun/scriptrun/bridge/kv"
	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/engine/js"
	"github.com/scriptrun/scriptrun/engine/lua"
	"github.com/scriptrun/scriptrun/limits"
	"github.com/scriptrun/scriptrun/policy"
)

// Example embeds scriptrun: one Host with both languages and the kv module,
// a tenant policy, and the same script in JavaScript and Lua. It then shows
// a denied call and a run stopped by the step budget.
func Example() {
	ctx := context.Background()

	// One Host for the whole service: it is safe for concurrent runs.
	store := kv.NewMemory()
	host, err := engine.NewHost(engine.Config{
		Backends: []engine.Backend{js.New(), lua.New()},
		Modules:  []*bridge.Module{kv.Module(store)},
		// Logger: &auditLogger, // a zerolog.Logger for the audit events
	})
	if err != nil {
		panic(err)
	}

	// A policy per customer (or per script), loaded once, used by any
	// number of runs.
	pol, err := policy.Parse("tenant.yaml", []byte(`
name: tenant
limits: {steps: 100000, hostCalls: 10}
rules:
  - name: own-keys
    allow: [kv.get, kv.set]
    when: args.key.startsWith(script.tenant + ":")
`), policy.Options{})
	if err != nil {
		panic(err)
	}
	acme := engine.RunOptions{
		Input:    map[string]any{"add": 2},
		Policy:   pol,
		Identity: engine.Identity{Tenant: "acme"},
	}

	// The same counter in both languages, sharing the store.
	for _, src := range []engine.Source{
		{Name: "count.js", Lang: "js", Code: `
			const n = (host.kv.get("acme:count") ?? 0) + input.add;
			host.kv.set("acme:count", n);
			return {count: n};`},
		{Name: "count.lua", Lang: "lua", Code: `
			local n = (host.kv.get("acme:count") or 0) + input.add
			host.kv.set("acme:count", n)
			return {count = n}`},
	} {
		script, err := host.Compile(src) // compile once, run many times
		if err != nil {
			panic(err)
		}
		res, err := host.Run(ctx, script, acme)
		if err != nil {
			panic(err)
		}
		fmt.Println(src.Name, res.Value, "hostCalls:", res.Usage.HostCalls)
	}

	// Another tenant's key: no rule allows it, so the run ends with a
	// denied error naming the capability.
	peek, _ := host.Compile(engine.Source{Name: "peek.js", Lang: "js",
		Code: `return host.kv.get("globex:count")`})
	_, err = host.Run(ctx, peek, acme)
	var e *engine.Error
	if errors.As(err, &e) {
		fmt.Println(e.Kind, e.Capability, e.Pos)
	}

	// An endless loop: the policy's steps ceiling (100000) stops it.
	loop, _ := host.Compile(engine.Source{Name: "loop.lua", Lang: "lua", Code: `while true do end`})
	res, err := host.Run(ctx, loop, acme)
	fmt.Println(err)
	fmt.Println(errors.Is(err, &engine.Error{Kind: engine.KindLimit, Limit: limits.Steps}), res.Usage.Steps)

	// Output:
	// count.js map[count:2] hostCalls: 2
	// count.lua map[count:4] hostCalls: 2
	// denied kv.get peek.js:1:19
	// loop.lua:1: limit error: limit exceeded: steps (100000)
	// true 100001
}
