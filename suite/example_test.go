package suite_test

import (
	"context"
	"fmt"
	"os"

	"github.com/scriptrun/scriptrun/suite"
)

// Running suites from go test: find the suite files, load each (a bad
// suite is an *suite.Error with file:line:col), run it, and fail on any
// failing case. An integrator passes its own modules in Options.Modules.
func Example() {
	files, err := suite.Find("../scripts/examples/denied.policy_test.yaml", "../scripts/examples/denied_test.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	var results []*suite.Result
	for _, f := range files {
		s, err := suite.Load(f, suite.Options{})
		if err != nil {
			suite.WriteError(os.Stdout, err)
			return
		}
		r, err := s.Run(context.Background(), suite.Options{})
		if err != nil {
			fmt.Println(err)
			return
		}
		results = append(results, r)
	}
	passed, failed := suite.Counts(results)
	fmt.Printf("%d passed, %d failed\n", passed, failed)
	// Output:
	// 6 passed, 0 failed
}
