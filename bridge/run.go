package bridge

import (
	"context"
	"math/rand/v2"
	"time"
)

// Run is what a host function may know of the run that called it: its
// random seed, its clock and its tenant. Modules that must be deterministic
// (crypto.random_bytes) take their randomness from here.
type Run struct {
	Seed   uint64
	Now    func() time.Time
	Tenant string

	rng *rand.ChaCha8
}

type runKey struct{}

// WithRun returns ctx carrying r.
func WithRun(ctx context.Context, r *Run) context.Context {
	return context.WithValue(ctx, runKey{}, r)
}

// RunFrom returns the Run in ctx, or nil.
func RunFrom(ctx context.Context) *Run {
	r, _ := ctx.Value(runKey{}).(*Run)
	return r
}

// Read fills p from the run's seeded random stream (ChaCha8). A run is one
// goroutine, so Read needs no lock.
func (r *Run) Read(p []byte) (int, error) {
	if r.rng == nil {
		var seed [32]byte
		for i := 0; i < 8; i++ {
			seed[i] = byte(r.Seed >> (8 * i))
		}
		copy(seed[8:], "scriptrun/bridge.Run/random....")
		r.rng = rand.NewChaCha8(seed)
	}
	return r.rng.Read(p)
}
