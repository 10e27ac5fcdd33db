package policy_test

import (
	"context"
	"fmt"
	"strings"

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

// Loading with the host's capabilities catches a misspelt capability,
// which would otherwise make a deny rule that never fires, and warns of
// reads that fail on some runs.
func ExampleOptions_capabilities() {
	caps := []policy.Capability{
		{Name: "kv.get"}, {Name: "kv.delete"},
		{Name: "kv.list", Optional: []string{"prefix"}},
	}
	_, err := policy.Parse("p.yaml", []byte(`
name: demo
rules:
  - name: no-deletes
    deny: [kv.delte]
`), policy.Options{Capabilities: caps})
	fmt.Println(err)

	p, err := policy.Parse("p.yaml", []byte(`
name: demo
rules:
  - name: listing
    allow: [kv.list]
    when: args.prefix.startsWith(script.tenant)
`), policy.Options{Capabilities: caps})
	if err != nil {
		panic(err)
	}
	for _, w := range p.Warnings() {
		fmt.Printf("%s: warning: %s\n", w.Pos, strings.SplitN(w.Msg, "\n", 2)[0])
	}
	// Output:
	// p.yaml:5:12: rule "no-deletes": unknown capability kv.delte (did you mean kv.delete?)
	// p.yaml:6:15: warning: rule "listing": when: args.prefix: prefix is optional for kv.list, so a call may lack it and the rule then fails (denies); guard it: has(args.prefix) && ...
}
