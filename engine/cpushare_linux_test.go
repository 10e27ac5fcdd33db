package engine_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/scriptrun/scriptrun/engine"
)

// niceBackend's runs burn the CPU milliseconds their input asks for on the
// run's thread and return that thread's nice value.
type niceBackend struct{}

func (niceBackend) Lang() string { return "nice" }

func (niceBackend) Compile(engine.Source, engine.CompileLimits) (engine.Program, error) {
	return struct{}{}, nil
}

func (niceBackend) Run(_ context.Context, _ engine.Program, env *engine.Env) (any, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	env.Meter.Begin()
	var ts unix.Timespec
	start := int64(-1)
	for {
		_ = unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts)
		if start < 0 {
			start = ts.Nano()
		}
		if ts.Nano()-start >= env.Input.(int64)*int64(time.Millisecond) {
			break
		}
	}
	env.Meter.SampleCPU()
	prio, err := unix.Getpriority(unix.PRIO_PROCESS, unix.Gettid())
	if err != nil {
		return nil, err
	}
	return int64(20 - prio), nil // the raw syscall answers 20 - nice
}

// A tenant whose runs took most of the recent CPU while another tenant ran
// too gets its next runs at nice 19; the other tenant's stay at 0, a lone
// tenant is never demoted, and KeepPriority keeps everyone at 0.
func TestAdmissionDemotion(t *testing.T) {
	if base, err := unix.Getpriority(unix.PRIO_PROCESS, 0); err != nil || 20-base != 0 {
		t.Skipf("the test process does not run at nice 0 (%d, %v)", 20-base, err)
	}
	for _, keep := range []bool{false, true} {
		h, err := engine.NewHost(engine.Config{Backends: []engine.Backend{niceBackend{}}, Admission: engine.Admission{KeepPriority: keep}})
		if err != nil {
			t.Fatal(err)
		}
		s, err := h.Compile(engine.Source{Name: "nice", Lang: "nice"})
		if err != nil {
			t.Fatal(err)
		}
		run := func(tenant string, ms int64) int64 {
			t.Helper()
			res, err := h.Run(context.Background(), s, engine.RunOptions{Input: ms, Identity: engine.Identity{Tenant: tenant},
				Budget: limitsLong})
			if err != nil {
				t.Fatal(err)
			}
			return res.Value.(int64)
		}
		// Alone, however much CPU it takes, a tenant keeps its priority.
		for range 3 {
			if n := run("flood", 30); n != 0 {
				t.Fatalf("keep %v: a lone tenant ran at nice %d", keep, n)
			}
		}
		if n := run("calm", 6); n != 0 {
			t.Fatalf("keep %v: calm ran at nice %d", keep, n)
		}
		want := int64(19)
		if keep {
			want = 0
		}
		if n := run("flood", 1); n != want {
			t.Errorf("keep %v: the heavy tenant ran at nice %d, want %d", keep, n, want)
		}
		if n := run("calm", 1); n != 0 {
			t.Errorf("keep %v: the light tenant ran at nice %d, want 0", keep, n)
		}
		if st := h.Admission(); (st.Demoted == 1) == keep {
			t.Errorf("keep %v: %d runs demoted", keep, st.Demoted)
		}
		h.Close()
	}
	// The threads of demoted runs are gone with them: this goroutine's
	// thread, and every other the runtime hands out, are at nice 0.
	if prio, _ := unix.Getpriority(unix.PRIO_PROCESS, unix.Gettid()); 20-prio != 0 {
		t.Errorf("the test goroutine's thread is at nice %d", 20-prio)
	}
}
