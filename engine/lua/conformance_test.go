package lua_test

import (
	"testing"

	"github.com/scriptrun/scriptrun/engine/enginetest"
	"github.com/scriptrun/scriptrun/engine/lua"
)

// TestConformance runs the shared conformance suite (testdata/conformance).
func TestConformance(t *testing.T) { enginetest.Run(t, lua.New()) }
