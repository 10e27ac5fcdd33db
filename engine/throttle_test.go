package engine_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/scriptrun/scriptrun/engine"
)

// spinBackend's runs burn the CPU milliseconds their input asks for,
// charging steps as a VM does, and return the wall time they took in ms.
type spinBackend struct{}

func (spinBackend) Lang() string { return "spin" }

func (spinBackend) Compile(engine.Source, engine.CompileLimits) (engine.Program, error) {
	return struct{}{}, nil
}

func (spinBackend) Run(_ context.Context, _ engine.Program, env *engine.Env) (any, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	env.Meter.Begin()
	start := time.Now()
	var ts unix.Timespec
	cpu0 := int64(-1)
	for {
		if _, err := env.Meter.AddSteps(1); err != nil {
			return nil, err
		}
		_ = unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts)
		if cpu0 < 0 {
			cpu0 = ts.Nano()
		}
		if ts.Nano()-cpu0 >= env.Input.(int64)*int64(time.Millisecond) {
			break
		}
	}
	env.Meter.SampleCPU()
	return time.Since(start).Milliseconds(), nil
}

// A run that has worked 20 ms is throttled while a shorter run goes on:
// 100 ms of work beside another tenant's run take at least twice as long
// (only lower bounds are asserted: a busy machine makes runs slower, never
// faster). With KeepPriority nothing is demoted.
func TestAdmissionThrottle(t *testing.T) {
	for _, keep := range []bool{false, true} {
		g := gateBackend{started: make(chan string, 100), release: make(chan struct{})}
		h, err := engine.NewHost(engine.Config{Backends: []engine.Backend{spinBackend{}, g}, Admission: engine.Admission{KeepPriority: keep}})
		if err != nil {
			t.Fatal(err)
		}
		spin, err := h.Compile(engine.Source{Name: "spin", Lang: "spin"})
		if err != nil {
			t.Fatal(err)
		}
		gate, err := h.Compile(engine.Source{Name: "gate", Lang: "gate"})
		if err != nil {
			t.Fatal(err)
		}
		// A short run of another tenant holds its slot while the long one
		// works.
		other := runAsync(h, gate, "calm", "c")
		<-g.started
		res, err := h.Run(context.Background(), spin, engine.RunOptions{Input: int64(100), Identity: engine.Identity{Tenant: "flood"}, Budget: limitsLong})
		if err != nil {
			t.Fatal(err)
		}
		g.release <- struct{}{}
		if err := <-other; err != nil {
			t.Fatal(err)
		}
		wall := res.Value.(int64)
		st := h.Admission()
		switch {
		case !keep && (wall < 200 || st.Demoted != 1):
			t.Errorf("a long run beside a short one: 100 ms of work took %d ms, %d runs demoted; want >= 200 ms, 1", wall, st.Demoted)
		case keep && st.Demoted != 0:
			t.Errorf("KeepPriority: %d runs demoted", st.Demoted)
		}
		h.Close()
	}
}
