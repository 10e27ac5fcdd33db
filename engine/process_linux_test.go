//go:build linux

package engine

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// TestSilentWorker: a worker that never says hello is killed after the
// hello timeout (the pipes are blocking, so the kill is what ends the
// read), and the pool refuses to start.
func TestSilentWorker(t *testing.T) {
	sleep := "/bin/sleep"
	if _, err := os.Stat(sleep); err != nil {
		t.Skip("no /bin/sleep to play a silent worker")
	}
	old := helloTimeout
	helloTimeout = 200 * time.Millisecond
	defer func() { helloTimeout = old }()
	start := time.Now()
	p, err := newPool(WorkerConfig{Command: []string{sleep, "60"}, MemoryCap: "none"}, zerolog.Nop(), 1)
	if err == nil {
		p.close()
		t.Fatal("a pool whose worker never says hello started")
	}
	if !strings.Contains(err.Error(), "no hello within") {
		t.Errorf("error = %v, want it to say the worker did not say hello in time", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("giving up on the silent worker took %v", d)
	}
}
