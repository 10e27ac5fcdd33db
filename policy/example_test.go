package policy_test

import (
	"context"
	"fmt"

	"github.com/scriptrun/scriptrun/policy"
)

func Example() {
	src := `
name: demo
rules:
  - name: kv
    allow: ["kv.*"]
    when: args.key.startsWith(script.tenant + ":")
  - name: small-values
    deny: [kv.set]
    when: size(args.value) > 4
    message: "'value too big: ' + string(size(args.value))"
`
	p, err := policy.Parse("demo.yaml", []byte(src), policy.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, args := range []map[string]any{
		{"key": "acme:a", "value": "1234"},
		{"key": "acme:a", "value": "12345"},
		{"key": "other:a", "value": "1"},
	} {
		d := p.Decide(context.Background(), &policy.Request{
			Script: policy.Script{Tenant: "acme"},
			Call:   policy.Call{Name: "kv.set", Module: "kv", Function: "set"},
			Args:   args,
		})
		fmt.Printf("allow=%v rule=%q message=%q\n", d.Allow, d.Rule, d.Message)
	}

	_, err = policy.Parse("bad.yaml", []byte("name: x\nrules:\n  - name: r\n    allow: [kv.get]\n    when: args.key + 1\n"), policy.Options{})
	fmt.Println(err)
	// Output:
	// allow=true rule="kv" message=""
	// allow=false rule="small-values" message="value too big: 5"
	// allow=false rule="" message="no rule allows \"kv.set\""
	// bad.yaml:5:11: rule "r": when: expression has type int, want bool
	//  | args.key + 1
	//  | ^
}
