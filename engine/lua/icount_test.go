package lua_test

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	glua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"

	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/engine/lua"
	"github.com/scriptrun/scriptrun/limits"
	plua "github.com/scriptrun/scriptrun/third_party/gopher-lua"
	pparse "github.com/scriptrun/scriptrun/third_party/gopher-lua/parse"
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
	switch eng {
	case "upstream":
		chunk, err := parse.Parse(strings.NewReader(src), "b.lua")
		if err != nil {
			t.Fatal(err)
		}
		proto, err := glua.Compile(chunk, "b.lua")
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < n; i++ {
			L := glua.NewState()
			L.Push(L.NewFunctionFromProto(proto))
			if err := L.PCall(0, 1, nil); err != nil {
				t.Fatal(err)
			}
			L.Close()
		}
	case "patched":
		chunk, err := pparse.Parse(strings.NewReader(src), "b.lua")
		if err != nil {
			t.Fatal(err)
		}
		proto, err := plua.Compile(chunk, "b.lua")
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < n; i++ {
			L := plua.NewState()
			L.SetStepMeter(func(int64) (int64, error) { return 1000, nil })
			L.Push(L.NewFunctionFromProto(proto))
			if err := L.PCall(0, 1, nil); err != nil {
				t.Fatal(err)
			}
			L.Close()
		}
	case "host":
		s, err := h.Compile(engine.Source{Name: "b.lua", Lang: "lua", Code: src})
		if err != nil {
			t.Fatal(err)
		}
		opts := engine.RunOptions{Budget: limits.Budget{Steps: 1 << 40, Memory: 1 << 34, Timeout: time.Hour, CPU: time.Hour}}
		for i := 0; i < n; i++ {
			if _, err := h.Run(context.Background(), s, opts); err != nil {
				t.Fatal(err)
			}
		}
	default:
		t.Fatalf("no engine %q", eng)
	}
}
