package kv_test

import (
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
