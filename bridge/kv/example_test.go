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
