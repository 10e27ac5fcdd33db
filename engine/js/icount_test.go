package js_test

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"

	upstream "github.com/dop251/goja"

	"github.com/scriptrun/scriptrun/third_party/goja"
)

// TestInstructionCount is not a check: it is the workload that
// scripts/icount runs under valgrind to count the instructions of one
// benchmark workload (BenchmarkVM and BenchmarkHost's) on one engine, a
// figure that, unlike CPU time on a shared machine, does not depend on
// what else runs. It runs only when SCRIPTRUN_ICOUNT is set:
//
//	SCRIPTRUN_ICOUNT=upstream|patched|host:WORKLOAD:N
func TestInstructionCount(t *testing.T) {
	spec := os.Getenv("SCRIPTRUN_ICOUNT")
	if spec == "" {
		t.Skip("a tool for scripts/icount, not a check")
	}
	parts := strings.SplitN(spec, ":", 3)
	if len(parts) != 3 {
		t.Fatalf("SCRIPTRUN_ICOUNT=%q: want ENGINE:WORKLOAD:N", spec)
	}
	eng, work, ns := parts[0], parts[1], parts[2]
	n, err := strconv.Atoi(ns)
	if err != nil {
		t.Fatalf("SCRIPTRUN_ICOUNT=%q: want ENGINE:WORKLOAD:N", spec)
	}
	src := ""
	for _, w := range append(vmWorkloads, struct{ name, src string }{"trivial", "return 1+1"}) {
		if w.name == work {
			src = w.src
		}
	}
	if src == "" {
		t.Fatalf("no workload %q", work)
	}
	full := "(function() {\n" + src + "\n})()"
	// Every engine runs with the same live heap (the host's policy and
	// registry), so GC work is comparable.
	h := newHost(t)
	s := compileBench(t, h, src)
	opts := benchOptions(t)
	defer runtime.KeepAlive(opts)
	switch eng {
	case "upstream":
		p := upstream.MustCompile("bench.js", full, false)
		for i := 0; i < n; i++ {
			if _, err := upstream.New().RunProgram(p); err != nil {
				t.Fatal(err)
			}
		}
	case "patched":
		p := goja.MustCompile("bench.js", full, false)
		for i := 0; i < n; i++ {
			vm := goja.New()
			vm.SetStepMeter(func(int64) (int64, error) { return 1 << 16, nil })
			if _, err := vm.RunProgram(p); err != nil {
				t.Fatal(err)
			}
		}
	case "host":
		for i := 0; i < n; i++ {
			if _, err := h.Run(context.Background(), s, opts); err != nil {
				t.Fatal(err)
			}
		}
	default:
		t.Fatalf("no engine %q", eng)
	}
}
