package lua_test

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/engine/lua"
)

// luaWorkloads are the benchmarks' programs by the names scripts/icount
// uses.
var luaWorkloads = map[string]string{
	"fib25": benchFib, "loop5M": benchLoop, "strings": benchStrings,
	"tables": benchTables, "trivial": benchTrivial, "tail": benchTail,
}

// TestInstructionCount is not a check: it is the workload that
// scripts/icount runs under valgrind to count the instructions of one
// benchmark workload on one engine, a figure that, unlike CPU time on a
// shared machine, does not depend on what else runs. It runs only when
// SCRIPTRUN_ICOUNT is set:
//
//	SCRIPTRUN_ICOUNT=upstream|patched|host:WORKLOAD:N
func TestInstructionCount(t *testing.T) {
	spec := os.Getenv("SCRIPTRUN_ICOUNT")
	if spec == "" {
		t.Skip("a tool for scripts/icount, not a check")
	}
	parts := strings.SplitN(spec, ":", 3)
	n, err := strconv.Atoi(parts[len(parts)-1])
	if len(parts) != 3 || err != nil {
		t.Fatalf("SCRIPTRUN_ICOUNT=%q: want ENGINE:WORKLOAD:N", spec)
	}
	eng, src := parts[0], luaWorkloads[parts[1]]
	if src == "" {
		t.Fatalf("no workload %q", parts[1])
	}
	// Every engine runs with the same live heap (the host), so GC work is
	// comparable.
	h, err := engine.NewHost(engine.Config{Backends: []engine.Backend{lua.New()}})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	e := threeEngines(t, h, src)
	run := map[string]func() error{"upstream": e.upstream, "patched": e.patched, "host": e.host}[eng]
	if run == nil {
		t.Fatalf("no engine %q", eng)
	}
	for i := 0; i < n; i++ {
		if err := run(); err != nil {
			t.Fatal(err)
		}
	}
}
