package kv_test

import (
	"context"
	"fmt"

	"github.com/scriptrun/scriptrun/bridge"
	"github.com/scriptrun/scriptrun/bridge/kv"
)

func Example() {
	ctx := context.Background()
	store := kv.NewMemory(kv.Limits{MaxKeys: 100})
	reg, err := bridge.NewRegistry(kv.Module(store))
	if err != nil {
		panic(err)
	}
	set := reg.Lookup("kv.set")
	set.Impl(ctx, bridge.Args{"key": "user:1", "value": map[string]any{"name": "Ada"}})
	v, _, _ := store.Get(ctx, "", "user:1")
	fmt.Println(v)
	keys, _ := reg.Lookup("kv.list").Impl(ctx, bridge.Args{"prefix": "user:"})
	fmt.Println(keys)
	// Output:
	// map[name:Ada]
	// [user:1]
}

// A per-tenant module gives each run's tenant its own keys: the same key
// names, different values, and each tenant's own limits.
func ExampleOptions_perTenant() {
	ctx := context.Background()
	store := kv.NewMemory(kv.Limits{MaxKeys: 100})
	reg, err := bridge.NewRegistry(kv.Module(store, kv.Options{PerTenant: true}))
	if err != nil {
		panic(err)
	}
	incr := reg.Lookup("kv.incr").Impl
	for _, tenant := range []string{"acme", "acme", "globex"} {
		run := bridge.WithRun(ctx, &bridge.Run{Tenant: tenant})
		n, _ := incr(run, bridge.Args{"key": "runs"})
		fmt.Println(tenant, n)
	}
	// Output:
	// acme 1
	// acme 2
	// globex 1
}
