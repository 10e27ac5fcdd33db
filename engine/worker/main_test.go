//go:build linux

package worker_test

import (
	"os"
	"testing"

	"github.com/scriptrun/scriptrun/engine/js"
	"github.com/scriptrun/scriptrun/engine/lua"
	"github.com/scriptrun/scriptrun/engine/worker"
)

// TestMain makes the test binary its own worker: the hosts in these tests
// start it again in the worker role.
func TestMain(m *testing.M) {
	worker.Main(js.New(), lua.New(), hostile{})
	os.Exit(m.Run())
}
