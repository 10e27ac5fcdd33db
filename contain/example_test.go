package contain_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/scriptrun/scriptrun/contain"
	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/engine/js"
	"github.com/scriptrun/scriptrun/policy"
)

// A script that fails twice in a row is quarantined until an operator
// lifts the action.
func Example() {
	mon, _ := contain.New(contain.Config{})
	host, _ := engine.NewHost(engine.Config{Backends: []engine.Backend{js.New()}, Containment: mon})
	defer host.Close()
	pol, err := policy.Parse("acme.yaml", []byte(`
name: acme
containment:
  rules:
    - name: crash-loop
      when: stats.failureStreak >= 2
      action: quarantine
      for: 1h
`), policy.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	opts := engine.RunOptions{Policy: pol, Identity: engine.Identity{Tenant: "acme"}}
	bad, _ := host.Compile(engine.Source{Name: "job.js", Lang: "js", Code: `throw new Error("oops")`})
	for i := 0; i < 3; i++ {
		_, err := host.Run(context.Background(), bad, opts)
		fmt.Println(err.(*engine.Error).Kind, errors.Is(err, engine.ErrQuarantined))
	}
	for _, a := range mon.Actions() {
		fmt.Println(a.Kind, a.Key.Tenant, a.Key.Script, a.Rule)
		_ = mon.Lift(a.ID)
	}
	good, _ := host.Compile(engine.Source{Name: "job.js", Lang: "js", Code: `return "fixed"`})
	res, err := host.Run(context.Background(), good, opts)
	fmt.Println(res.Value, err)
	// Output:
	// runtime false
	// runtime false
	// quarantined true
	// quarantine acme job.js crash-loop
	// fixed <nil>
}
