package kv_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/scriptrun/scriptrun/bridge/kv"
	"github.com/scriptrun/scriptrun/bridge/kv/kvtest"
)

func TestMemoryConformance(t *testing.T) {
	kvtest.Run(t, func(t *testing.T, lim kv.Limits) kv.Store {
		return kv.NewMemory(lim)
	}, kvtest.Features{Bytes: true, Namespaces: true})
}

func TestFileConformance(t *testing.T) {
	kvtest.Run(t, func(t *testing.T, lim kv.Limits) kv.Store {
		f, err := kv.OpenFile(filepath.Join(t.TempDir(), "kv.json"), lim)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}, kvtest.Features{Slow: true})
}

func TestBoltConformance(t *testing.T) {
	kvtest.Run(t, func(t *testing.T, lim kv.Limits) kv.Store {
		b, err := kv.OpenBolt(filepath.Join(t.TempDir(), "kv.db"), lim)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Close() })
		return b
	}, kvtest.Features{Namespaces: true, Slow: true})
}

// BenchmarkIncr is one incr per op (each durable on disk for File and Bolt),
// to size the stores against each other.
func BenchmarkIncr(b *testing.B) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		open func(dir string) (kv.Store, error)
	}{
		{"memory", func(string) (kv.Store, error) { return kv.NewMemory(), nil }},
		{"file", func(dir string) (kv.Store, error) { return kv.OpenFile(filepath.Join(dir, "kv.json")) }},
		{"bolt", func(dir string) (kv.Store, error) { return kv.OpenBolt(filepath.Join(dir, "kv.db")) }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			s, err := tc.open(b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			for i := 0; i < 100; i++ { // a store with some content
				s.Set(ctx, "", fmt.Sprintf("k%d", i), map[string]any{"i": int64(i)})
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := s.Incr(ctx, "", "n", int64(1)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
