package yamlpos_test

import (
	"fmt"

	"github.com/scriptrun/scriptrun/internal/yamlpos"
)

// yaml.v3 says "line 2" (where the list starts); the problem is on line 5.
func ExampleParse() {
	src := "name: x\nrules:\n  - name: a\n    allow: [kv.get]\n   when: x\n"
	_, err := yamlpos.Parse("policy.yaml", []byte(src))
	fmt.Println(err)
	fmt.Println(err.(*yamlpos.Error).Err)
	// Output:
	// policy.yaml:5:4: invalid YAML: did not find expected '-' indicator
	// yaml: line 2: did not find expected '-' indicator
}
