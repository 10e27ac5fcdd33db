//go:build linux

package worker_test

import (
	"testing"

	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/engine/enginetest"
	"github.com/scriptrun/scriptrun/engine/js"
	"github.com/scriptrun/scriptrun/engine/lua"
)

// The whole conformance suite, with every run in a worker process: the same
// results, usage fields and error kinds as in process.
var processMode = engine.Config{Isolation: engine.Process, Workers: engine.WorkerConfig{Size: 1}}

func TestConformanceJS(t *testing.T)  { enginetest.RunConfig(t, js.New(), processMode) }
func TestConformanceLua(t *testing.T) { enginetest.RunConfig(t, lua.New(), processMode) }
