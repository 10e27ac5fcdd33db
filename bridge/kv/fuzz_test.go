package kv

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// FuzzFile feeds arbitrary file content to OpenFile: it must open or fail
// with an error, never panic, and what it opens must survive a rewrite and a
// reopen unchanged (the file store's encoding round-trips what it reads).
func FuzzFile(f *testing.F) {
	for _, s := range []string{
		`{}`, `{"a": 1, "b": [1.5, "x", null, true, {"c": {}}]}`, `{"a": 1,}`, `[1]`,
		`{"\u00e9": "e\u0301", "k": "\u2028<&>"}`, `{"n": 9007199254740993, "f": 1e300, "z": -0}`,
		`{"a": "\ud800"}`, `{"deep": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		path := filepath.Join(dir, "kv.json")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := OpenFile(path)
		if err != nil {
			return
		}
		keys, err := s.List(ctx, "", "", "", -1)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]any{}
		for _, k := range keys {
			v, _, err := s.Get(ctx, "", k)
			if err != nil {
				t.Fatal(err)
			}
			want[k] = v
		}
		// A change rewrites the whole file in the store's own encoding.
		if err := s.Set(ctx, "", "\x00fuzz", int64(1)); err != nil {
			return // over the default limits: nothing to compare
		}
		if _, err := s.Delete(ctx, "", "\x00fuzz"); err != nil {
			t.Fatal(err)
		}
		s2, err := OpenFile(path)
		if err != nil {
			t.Fatalf("reopen after rewrite: %v", err)
		}
		got := map[string]any{}
		for _, k := range keys {
			v, ok, err := s2.Get(ctx, "", k)
			if err != nil || !ok {
				t.Fatalf("Get(%q) after rewrite = %v, %v", k, ok, err)
			}
			got[k] = v
		}
		// reflect.DeepEqual, not cmp.Diff: go-cmp's diff of values nested
		// 64 levels deep runs for minutes (a crasher of the fuzz smoke).
		if !reflect.DeepEqual(want, got) {
			t.Errorf("rewrite changed the content:\nbefore %#v\nafter  %#v", want, got)
		}
	})
}
