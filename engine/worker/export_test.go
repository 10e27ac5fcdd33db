//go:build linux

package worker

import (
	"os"
	"slices"
)

// NoSeccompArg in a test worker's argv leaves seccomp out, so that tests
// can try the layers under it (Landlock, the network namespace) alone.
const NoSeccompArg = "-scriptrun.test.noseccomp"

func init() {
	if slices.Contains(os.Args, NoSeccompArg) {
		skipSeccomp = true
	}
}
