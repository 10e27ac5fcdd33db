package recording_test

import (
	"context"
	"testing"

	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/limits"
	"github.com/scriptrun/scriptrun/recording"
)

// BenchmarkHostCalls: one run of 100 kv.get calls and 100 clock reads,
// plain, recorded, and replayed from its recording. Compare the
// sub-benchmarks' ns/op measured in the same run.
func BenchmarkHostCalls(b *testing.B) {
	w := newWorld(b, nil, engine.InProcess)
	pol := mustPolicy(b, allPolicy)
	src := `let s = 0; for (let i = 0; i < 100; i++) { s += (host.kv.get("k" + (i % 10)) ?? 1) + (Date.now() > 0 ? 1 : 0) } return s`
	s := compile(b, w, "bench.js", src)
	budget := limits.Budget{HostCalls: 1000}
	ctx := context.Background()
	b.Run("plain", func(b *testing.B) {
		for b.Loop() {
			if _, err := w.host.Run(ctx, s, engine.RunOptions{Policy: pol, Budget: budget}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("recorded", func(b *testing.B) {
		for b.Loop() {
			r, _ := recording.NewRecorder(recording.Options{Registry: w.reg, Source: &src})
			if _, err := w.host.Run(ctx, s, engine.RunOptions{Policy: pol, Budget: budget, Observer: r, Now: r.Clock(nil)}); err != nil {
				b.Fatal(err)
			}
			if _, err := r.Recording(); err != nil {
				b.Fatal(err)
			}
		}
	})
	r, _ := recording.NewRecorder(recording.Options{Registry: w.reg, Source: &src})
	if _, err := w.host.Run(ctx, s, engine.RunOptions{Policy: pol, Budget: budget, Observer: r, Now: r.Clock(nil)}); err != nil {
		b.Fatal(err)
	}
	rec, _ := r.Recording()
	b.Run("replayed", func(b *testing.B) {
		for b.Loop() {
			rep, err := recording.Replay(ctx, w.host, s, pol, rec, recording.ReplayOptions{Registry: w.reg})
			if err != nil || !rep.Match() {
				b.Fatal(err, rep.Divergence)
			}
		}
	})
}
