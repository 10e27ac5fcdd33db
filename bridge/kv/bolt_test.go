package kv

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestBoltPersistence(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kv.db")
	b, err := OpenBolt(path, Limits{MaxKeys: 3})
	if err != nil {
		t.Fatal(err)
	}
	val := map[string]any{"a": []any{int64(1), 1.5, "x", nil, true}}
	for _, ns := range []string{"", "acme"} {
		if err := b.Set(ctx, ns, "k", val); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Incr(ctx, ns, "n", int64(2)); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, want 0600", st.Mode().Perm())
	}
	b, err = OpenBolt(path, Limits{MaxKeys: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for _, ns := range []string{"", "acme"} {
		got, _, err := b.Get(ctx, ns, "k")
		if diff := cmp.Diff(any(val), got); err != nil || diff != "" {
			t.Errorf("%q: k after reopen: %v (-want +got):\n%s", ns, err, diff)
		}
		if n, _, _ := b.Get(ctx, ns, "n"); n != int64(2) {
			t.Errorf("%q: n = %v after reopen", ns, n)
		}
	}
	// The key counts survived too: one more key fits, a second does not.
	if err := b.Set(ctx, "acme", "x", int64(1)); err != nil {
		t.Fatal(err)
	}
	if err := b.Set(ctx, "acme", "y", int64(1)); err == nil || !strings.Contains(err.Error(), "limit of 3 keys") {
		t.Errorf("fourth key = %v, want the key limit", err)
	}
}

func TestBoltOpenErrors(t *testing.T) {
	dir := t.TempDir()
	ro := filepath.Join(dir, "ro.db")
	b, err := OpenBolt(ro)
	if err != nil {
		t.Fatal(err)
	}
	b.Close()
	os.Chmod(ro, 0o400)
	notBolt := filepath.Join(dir, "data.kv")
	os.WriteFile(notBolt, []byte(`{"a": 1}`+strings.Repeat(" ", 8192)), 0o600)
	for _, tc := range []struct {
		path, want string
	}{
		{filepath.Join(dir, "missing", "kv.db"), "does not exist"},
		{ro, "is read-only"},
		{notBolt, "is not a bbolt database"},
	} {
		_, err := OpenBolt(tc.path)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.path) {
			t.Errorf("OpenBolt(%s) = %v, want an error naming it and saying %q", tc.path, err, tc.want)
		}
	}

	// A file another process holds open.
	path := filepath.Join(dir, "busy.db")
	b, err = OpenBolt(path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	_, err = openBolt(path, 50*time.Millisecond, Limits{}.resolve())
	if err == nil || !strings.Contains(err.Error(), "in use by another process") {
		t.Errorf("OpenBolt of an open file = %v", err)
	}
}

// A writer waiting behind another gives up when its ctx ends.
func TestBoltWriterWaitEndsWithCtx(t *testing.T) {
	b, err := OpenBolt(filepath.Join(t.TempDir(), "kv.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	w := b.Store.(*encoded).b.(boltBackend).writer
	w <- struct{}{} // another writer is in
	c, cancel := context.WithCancel(ctx)
	go func() {
		time.Sleep(10 * time.Millisecond)
		cancel()
	}()
	if err := b.Set(c, "", "k", "v"); !errors.Is(err, context.Canceled) {
		t.Errorf("Set behind another writer = %v, want context.Canceled", err)
	}
	<-w
	if err := b.Set(ctx, "", "k", "v"); err != nil {
		t.Errorf("Set once the writer left: %v", err)
	}
}
