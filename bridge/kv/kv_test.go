package kv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rs/zerolog"
	"github.com/scriptrun/scriptrun/bridge"
)

var ctx = context.Background()

// stores returns a fresh Memory and a fresh File in a temp dir.
func stores(t *testing.T, lim Limits) map[string]Store {
	t.Helper()
	f, err := OpenFile(filepath.Join(t.TempDir(), "kv.json"), lim)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]Store{"memory": NewMemory(lim), "file": f}
}

func call(t *testing.T, m *bridge.Module, name string, args bridge.Args) (any, error) {
	t.Helper()
	for _, f := range m.Funcs {
		if f.Name == name {
			return f.Impl(ctx, args)
		}
	}
	t.Fatalf("no function %s", name)
	return nil, nil
}

func TestModuleRoundTrip(t *testing.T) {
	for name, s := range stores(t, Limits{}) {
		t.Run(name, func(t *testing.T) {
			m := Module(s)
			if _, err := bridge.NewRegistry(m); err != nil {
				t.Fatal(err)
			}
			val := map[string]any{"n": int64(1), "f": 1.5, "s": "x", "l": []any{true, nil, "y"}, "m": map[string]any{}}
			for _, k := range []string{"b", "a", "a:1", "a:2", "c"} {
				if _, err := call(t, m, "set", bridge.Args{"key": k, "value": val}); err != nil {
					t.Fatal(err)
				}
			}
			got, err := call(t, m, "get", bridge.Args{"key": "a:1"})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(any(val), got); diff != "" {
				t.Errorf("get (-want +got):\n%s", diff)
			}
			got, _ = call(t, m, "get", bridge.Args{"key": "missing"})
			if got != nil {
				t.Errorf("get missing = %v, want nil", got)
			}
			for _, tc := range []struct {
				args bridge.Args
				want []any
			}{
				{bridge.Args{}, []any{"a", "a:1", "a:2", "b", "c"}},
				{bridge.Args{"prefix": "a:"}, []any{"a:1", "a:2"}},
				{bridge.Args{"prefix": "a", "limit": int64(2)}, []any{"a", "a:1"}},
				{bridge.Args{"prefix": "zz"}, []any{}},
			} {
				got, err := call(t, m, "list", tc.args)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(any(tc.want), got); diff != "" {
					t.Errorf("list %v (-want +got):\n%s", tc.args, diff)
				}
			}
			for _, lim := range []int64{0, -1, MaxListLimit + 1} {
				_, err := call(t, m, "list", bridge.Args{"limit": lim})
				var msg bridge.Message
				if !errors.As(err, &msg) {
					t.Errorf("list limit %d: err = %v, want a Message", lim, err)
				}
			}
			got, err = call(t, m, "delete", bridge.Args{"key": "a"})
			if err != nil || got != true {
				t.Errorf("delete a = %v, %v; want true", got, err)
			}
			got, err = call(t, m, "delete", bridge.Args{"key": "a"})
			if err != nil || got != false {
				t.Errorf("delete a again = %v, %v; want false", got, err)
			}
		})
	}
}

func TestKeys(t *testing.T) {
	for _, tc := range []struct {
		key string
		ok  bool
	}{
		{"a", true},
		{strings.Repeat("k", MaxKeyBytes), true},
		{strings.Repeat("é", MaxKeyBytes/2), true},
		{"", false},
		{strings.Repeat("k", MaxKeyBytes+1), false},
		{"a\xffb", false},
	} {
		err := CheckKey(tc.key)
		if (err == nil) != tc.ok {
			t.Errorf("CheckKey(%.20q) = %v, want ok=%v", tc.key, err, tc.ok)
		}
		if err != nil {
			var msg bridge.Message
			if !errors.As(err, &msg) {
				t.Errorf("CheckKey(%.20q) = %T, want a bridge.Message", tc.key, err)
			}
			for name, s := range stores(t, Limits{}) {
				if err := s.Set(ctx, "", tc.key, "v"); err == nil {
					t.Errorf("%s: Set(%.20q) succeeded", name, tc.key)
				}
				if _, err := call(t, Module(s), "get", bridge.Args{"key": tc.key}); err == nil {
					t.Errorf("%s: get(%.20q) succeeded", name, tc.key)
				}
			}
		}
	}
}

// Keys that look alike stay distinct, in memory and across a reopen.
func TestLookalikeKeys(t *testing.T) {
	keys := []string{"a", "a ", " a", "A", "\u00e9", "e\u0301", "\ufb01", "fi", "a\u200b"}
	for name, s := range stores(t, Limits{}) {
		t.Run(name, func(t *testing.T) {
			for i, k := range keys {
				if err := s.Set(ctx, "", k, int64(i)); err != nil {
					t.Fatal(err)
				}
			}
			check := func(s Store) {
				for i, k := range keys {
					v, ok, err := s.Get(ctx, "", k)
					if err != nil || !ok || v != int64(i) {
						t.Errorf("Get(%q) = %v, %v, %v; want %d", k, v, ok, err, i)
					}
				}
				got, _ := s.List(ctx, "", "", "", -1)
				if len(got) != len(keys) {
					t.Errorf("List = %q, want %d keys", got, len(keys))
				}
			}
			check(s)
			if f, ok := s.(*File); ok {
				f2, err := OpenFile(f.Path())
				if err != nil {
					t.Fatal(err)
				}
				check(f2)
			}
		})
	}
}

func TestCopies(t *testing.T) {
	for name, s := range stores(t, Limits{}) {
		t.Run(name, func(t *testing.T) {
			in := map[string]any{"l": []any{int64(1)}}
			if err := s.Set(ctx, "", "k", in); err != nil {
				t.Fatal(err)
			}
			in["l"].([]any)[0] = int64(99)
			in["x"] = "added"
			out, _, _ := s.Get(ctx, "", "k")
			out.(map[string]any)["l"].([]any)[0] = int64(42)
			out2, _, _ := s.Get(ctx, "", "k")
			want := map[string]any{"l": []any{int64(1)}}
			if diff := cmp.Diff(any(want), out2); diff != "" {
				t.Errorf("stored value changed (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRefusedValues(t *testing.T) {
	mem := NewMemory()
	f, err := OpenFile(filepath.Join(t.TempDir(), "kv.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		v       any
		memOK   bool
		wantMsg string // for the file store
	}{
		{"null", nil, false, "null"},
		{"bytes", []byte("x"), true, "bytes"},
		{"nested bytes", map[string]any{"a": []any{[]byte("x")}}, true, "value at $.a[0]: bytes"},
		{"bad utf8", "a\xff", true, "UTF-8"},
		{"bad utf8 map key", map[string]any{"\xff": int64(1)}, true, "map key"},
		{"func", func() {}, false, "unsupported"},
	} {
		err := mem.Set(ctx, "", "k", tc.v)
		if (err == nil) != tc.memOK {
			t.Errorf("%s: Memory.Set = %v, want ok=%v", tc.name, err, tc.memOK)
		}
		err = f.Set(ctx, "", "k", tc.v)
		var msg bridge.Message
		if !errors.As(err, &msg) || !strings.Contains(err.Error(), tc.wantMsg) {
			t.Errorf("%s: File.Set = %v, want a Message containing %q", tc.name, err, tc.wantMsg)
		}
	}
	if _, err := os.Stat(f.Path()); !os.IsNotExist(err) {
		t.Errorf("refused values wrote the file: %v", err)
	}
}

func TestFilePersistence(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kv.json")
	f, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	vals := map[string]any{
		"int":    int64(-42),
		"big":    int64(bridge.MaxSafeInt),
		"float":  0.1,
		"huge":   1e300,
		"tiny":   5e-324,
		"whole":  1e20, // becomes int64? no: above 2^53, stays float64
		"str":    "<&> \"quoted\" \u2028 é",
		"nested": map[string]any{"a": []any{nil, true, false, map[string]any{"": "empty key"}}},
	}
	for k, v := range vals {
		if err := f.Set(ctx, "", k, v); err != nil {
			t.Fatalf("Set(%s): %v", k, err)
		}
	}
	if _, err := f.Delete(ctx, "", "str"); err != nil {
		t.Fatal(err)
	}
	delete(vals, "str")
	f2, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range vals {
		got, ok, err := f2.Get(ctx, "", k)
		if err != nil || !ok {
			t.Fatalf("Get(%s) = %v, %v", k, ok, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s after reopen (-want +got):\n%s", k, diff)
		}
	}
	if _, ok, _ := f2.Get(ctx, "", "str"); ok {
		t.Errorf("deleted key came back")
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, want 0600", st.Mode().Perm())
	}
	noTemps(t, filepath.Dir(path))
}

func TestFileNumbers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kv.json")
	src := `{"a": 1, "b": 1.0, "c": 1.5, "d": 9007199254740993, "e": -0, "f": 1e2, "g": 12345678901234567890}`
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"a": int64(1), "b": int64(1), "c": 1.5, "d": int64(9007199254740992), "e": int64(0), "f": int64(100), "g": 12345678901234567890.0}
	for k, w := range want {
		got, _, _ := f.Get(ctx, "", k)
		if diff := cmp.Diff(w, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", k, diff)
		}
	}
	// An existing file keeps its mode.
	if err := f.Set(ctx, "", "z", "z"); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o644 {
		t.Errorf("mode = %v, want 0644", st.Mode().Perm())
	}
}

func TestFileMissingAndEmpty(t *testing.T) {
	dir := t.TempDir()
	for _, content := range []string{"", "  \n", "{}"} {
		path := filepath.Join(dir, "f.json")
		os.WriteFile(path, []byte(content), 0o600)
		f, err := OpenFile(path)
		if err != nil {
			t.Errorf("OpenFile(%q) = %v", content, err)
			continue
		}
		if keys, _ := f.List(ctx, "", "", "", -1); len(keys) != 0 {
			t.Errorf("OpenFile(%q) has keys %q", content, keys)
		}
	}
	if _, err := OpenFile(filepath.Join(dir, "missing.json")); err != nil {
		t.Errorf("missing file: %v", err)
	}
}

func TestFileMalformed(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "bad.json")
	for _, tc := range []struct {
		content string
		want    string
	}{
		{`{"a": 1,}`, ":1:9: "},
		{"{\n  \"a\": 1\n  \"b\": 2}", ":3:3: "},
		{`{"a": tru}`, ":1:"},
		{`{"a": 1`, ":1:8: unexpected end"},
		{`[1, 2]`, ":1:1: want a JSON object"},
		{`  null`, ":1:3: want a JSON object"},
		{`"s"`, ":1:1: want a JSON object"},
		{`{} {}`, ":1:4: unexpected data"},
		{`{"": 1}`, `key "": key is empty`},
		{`{"a": 1e999}`, `$.a: number 1e999 is out of range`},
	} {
		os.WriteFile(path, []byte(tc.content), 0o600)
		_, err := OpenFile(path)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) {
			t.Errorf("OpenFile(%q) = %v, want an error naming the file and containing %q", tc.content, err, tc.want)
		}
	}
}

func noTemps(t *testing.T, dir string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}

func TestFileAtomicWriteFailure(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "kv.json")
	f, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Set(ctx, "", "keep", "old"); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)

	boom := errors.New("disk on fire")
	f.write = func(w io.Writer, data []byte) error {
		w.Write(data[:len(data)/2]) // a torn write
		return boom
	}
	if err := f.Set(ctx, "", "new", "value"); !errors.Is(err, boom) {
		t.Errorf("Set with failing write = %v, want %v", err, boom)
	}
	if _, err := f.Delete(ctx, "", "keep"); !errors.Is(err, boom) {
		t.Errorf("Delete with failing write = %v, want %v", err, boom)
	}
	if err := f.Set(ctx, "", "keep", "changed"); !errors.Is(err, boom) {
		t.Errorf("overwrite with failing write = %v, want %v", err, boom)
	}
	after, _ := os.ReadFile(path)
	if string(before) != string(after) {
		t.Errorf("file changed by failed writes:\nbefore %s\nafter  %s", before, after)
	}
	noTemps(t, dir)
	// Memory was rolled back too.
	if v, ok, _ := f.Get(ctx, "", "keep"); !ok || v != "old" {
		t.Errorf("keep = %v, %v; want old", v, ok)
	}
	if _, ok, _ := f.Get(ctx, "", "new"); ok {
		t.Errorf("failed Set left the key in memory")
	}
	if f.t == nil || f.t.u.bytes != bridge.SizeString(len("keep"))+bridge.SizeString(len("old")) {
		t.Errorf("usage = %+v after rollback", f.t)
	}
	f.write = writeAll
	if err := f.Set(ctx, "", "new", "value"); err != nil {
		t.Errorf("Set after the disk recovered: %v", err)
	}
}

func TestFileReadOnlyDir(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root ignores directory permissions")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "kv.json")
	f, _ := OpenFile(path)
	if err := f.Set(ctx, "", "keep", "old"); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)
	os.Chmod(dir, 0o500)
	defer os.Chmod(dir, 0o700)
	if err := f.Set(ctx, "", "new", "v"); err == nil {
		t.Errorf("Set in a read-only dir succeeded")
	}
	after, _ := os.ReadFile(path)
	if string(before) != string(after) {
		t.Errorf("file changed")
	}
	noTemps(t, dir)
}

func TestLimits(t *testing.T) {
	lim := Limits{MaxKeys: 3, MaxValueBytes: 100, MaxTotalBytes: 200}
	for name, s := range stores(t, lim) {
		t.Run(name, func(t *testing.T) {
			isMsg := func(err error, want string) {
				t.Helper()
				var msg bridge.Message
				if !errors.As(err, &msg) || !strings.Contains(err.Error(), want) {
					t.Errorf("err = %v, want a Message containing %q", err, want)
				}
			}
			big := strings.Repeat("x", 99) // 101 bytes as a value
			isMsg(s.Set(ctx, "", "a", big), "larger than the limit of 100 bytes")
			isMsg(s.Set(ctx, "", "a", []any{strings.Repeat("x", 200)}), "limit of 100 bytes")
			v := strings.Repeat("x", 78) // 80 bytes + key 3 = 83
			for _, k := range []string{"a", "b"} {
				if err := s.Set(ctx, "", k, v); err != nil {
					t.Fatal(err)
				}
			}
			isMsg(s.Set(ctx, "", "c", v), "limit of 200 bytes") // 3*83 > 200
			if err := s.Set(ctx, "", "c", "small"); err != nil {
				t.Fatal(err)
			}
			isMsg(s.Set(ctx, "", "d", "x"), "limit of 3 keys")
			// Overwriting an existing key within the limits is fine.
			if err := s.Set(ctx, "", "c", "other"); err != nil {
				t.Errorf("overwrite: %v", err)
			}
			if _, err := s.Delete(ctx, "", "a"); err != nil {
				t.Fatal(err)
			}
			if err := s.Set(ctx, "", "d", "small"); err != nil {
				t.Errorf("Set after Delete freed a key: %v", err)
			}
		})
	}
}

// A file already over the limits opens and can shrink, but not grow.
func TestFileOverLimits(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kv.json")
	os.WriteFile(path, []byte(`{"a": "aaaaaaaaaa", "b": "bbbbbbbbbb", "c": 1}`), 0o600)
	f, err := OpenFile(path, Limits{MaxKeys: 2, MaxTotalBytes: 20})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Set(ctx, "", "d", int64(1)); err == nil {
		t.Errorf("Set of a new key succeeded over MaxKeys")
	}
	if err := f.Set(ctx, "", "a", "aaaaaaaaaaaaaaaaa"); err == nil {
		t.Errorf("growing a value succeeded over MaxTotalBytes")
	}
	if err := f.Set(ctx, "", "a", "a"); err != nil {
		t.Errorf("shrinking a value: %v", err)
	}
}

func TestConcurrency(t *testing.T) {
	for name, s := range stores(t, Limits{}) {
		t.Run(name, func(t *testing.T) {
			var wg sync.WaitGroup
			n := 200
			if name == "file" {
				n = 20 // every write fsyncs
			}
			for g := 0; g < 8; g++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; i < n; i++ {
						k := fmt.Sprintf("k%d", i%10)
						s.Set(ctx, "", k, map[string]any{"g": int64(g), "i": int64(i)})
						s.Get(ctx, "", k)
						s.List(ctx, "", "k", "", 5)
						if i%3 == 0 {
							s.Delete(ctx, "", k)
						}
					}
				}()
			}
			wg.Wait()
			keys, _ := s.List(ctx, "", "", "", -1)
			for _, k := range keys {
				if _, ok, err := s.Get(ctx, "", k); !ok || err != nil {
					t.Errorf("Get(%s) = %v, %v", k, ok, err)
				}
			}
			if f, ok := s.(*File); ok {
				f2, err := OpenFile(f.Path())
				if err != nil {
					t.Fatal(err)
				}
				keys2, _ := f2.List(ctx, "", "", "", -1)
				if diff := cmp.Diff(keys, keys2); diff != "" {
					t.Errorf("file and memory disagree (-mem +file):\n%s", diff)
				}
				noTemps(t, filepath.Dir(f.Path()))
			}
		})
	}
}

type allowAll struct{}

func (allowAll) Check(context.Context, *bridge.Call) (bridge.Decision, error) {
	return bridge.Decision{Allow: true}, nil
}

// Through the dispatcher, limit errors reach the script as host errors with
// the store's message.
func TestDispatcherMessages(t *testing.T) {
	reg, err := bridge.NewRegistry(Module(NewMemory(Limits{MaxKeys: 1})))
	if err != nil {
		t.Fatal(err)
	}
	d := &bridge.Dispatcher{Registry: reg, Gate: allowAll{}, Log: zerolog.Nop()}
	if _, err := d.Call(ctx, "kv.set", []any{"a", int64(1)}); err != nil {
		t.Fatal(err)
	}
	_, err = d.Call(ctx, "kv.set", []any{"b", int64(1)})
	var he *bridge.HostError
	if !errors.As(err, &he) || he.Msg != "store is full: limit of 1 keys" {
		t.Errorf("err = %#v", err)
	}
	_, err = d.Call(ctx, "kv.set", []any{"a", nil})
	var ae *bridge.ArgError
	if !errors.As(err, &ae) || ae.Param != "value" {
		t.Errorf("set(a, null): err = %v, want an ArgError for value", err)
	}
	got, err := d.Call(ctx, "kv.list", []any{})
	if diff := cmp.Diff(any([]any{"a"}), got); err != nil || diff != "" {
		t.Errorf("list: %v %s", err, diff)
	}
}

func TestIncr(t *testing.T) {
	for name, s := range stores(t, Limits{}) {
		t.Run(name, func(t *testing.T) {
			m := Module(s)
			for _, tc := range []struct {
				delta any // nil: omitted
				want  any
			}{
				{nil, int64(1)},
				{int64(41), int64(42)},
				{-2.5, 39.5},
				{0.5, int64(40)}, // whole again: back to an int
				{int64(-40), int64(0)},
			} {
				args := bridge.Args{"key": "n"}
				if tc.delta != nil {
					args["delta"] = tc.delta
				}
				got, err := call(t, m, "incr", args)
				if err != nil || got != tc.want {
					t.Errorf("incr(n, %v) = %v, %v; want %v", tc.delta, got, err, tc.want)
				}
			}
			if v, _, _ := s.Get(ctx, "", "n"); v != int64(0) {
				t.Errorf("n = %v, want 0", v)
			}
			s.Set(ctx, "", "s", "text")
			s.Set(ctx, "", "big", int64(bridge.MaxSafeInt))
			for _, tc := range []struct {
				key   string
				delta any
				want  string
			}{
				{"s", int64(1), "is string, not a number"},
				{"big", int64(1), "outside the safe integer range"},
				{"n", int64(bridge.MaxSafeInt + 1), "delta is outside the safe integer range"},
			} {
				_, err := s.Incr(ctx, "", tc.key, tc.delta)
				var msg bridge.Message
				if !errors.As(err, &msg) || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("Incr(%s, %v) = %v, want a Message containing %q", tc.key, tc.delta, err, tc.want)
				}
			}
			if v, _, _ := s.Get(ctx, "", "s"); v != "text" {
				t.Errorf("a failed incr changed s to %v", v)
			}
		})
	}
}

func TestCAS(t *testing.T) {
	for name, s := range stores(t, Limits{}) {
		t.Run(name, func(t *testing.T) {
			m := Module(s)
			obj := map[string]any{"a": []any{int64(1), "x"}}
			for i, tc := range []struct {
				old, new any
				want     bool
				after    any // nil: absent
			}{
				{int64(1), "v", false, nil}, // absent, old not null: no swap
				{nil, obj, true, obj},       // absent, old null: insert
				{nil, "other", false, obj},  // present, old null: no swap
				{map[string]any{"a": []any{int64(1), "y"}}, "z", false, obj},
				{map[string]any{"a": []any{1.0, "x"}}, int64(7), true, int64(7)}, // 1.0 is 1
				{int64(7), nil, true, nil},                                       // delete
				{nil, nil, true, nil},                                            // absent and stays absent
			} {
				args := bridge.Args{"key": "k"}
				if tc.old != nil {
					args["old"] = tc.old
				}
				if tc.new != nil {
					args["new"] = tc.new
				}
				got, err := call(t, m, "cas", args)
				if err != nil || got != tc.want {
					t.Errorf("#%d cas(k, %v, %v) = %v, %v; want %v", i, tc.old, tc.new, got, err, tc.want)
				}
				v, _, _ := s.Get(ctx, "", "k")
				if diff := cmp.Diff(tc.after, v); diff != "" {
					t.Errorf("#%d after cas (-want +got):\n%s", i, diff)
				}
			}
		})
	}
}

// Many goroutines incrementing and compare-and-setting the same keys lose
// no update.
func TestAtomicConcurrency(t *testing.T) {
	for name, s := range stores(t, Limits{}) {
		t.Run(name, func(t *testing.T) {
			goroutines, n := 8, 250
			if name == "file" {
				n = 25 // every write fsyncs
			}
			var wg sync.WaitGroup
			for g := 0; g < goroutines; g++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; i < n; i++ {
						if _, err := s.Incr(ctx, "", "hits", int64(1)); err != nil {
							t.Error(err)
							return
						}
						// A get + cas loop: retried until it swaps.
						for {
							v, _, err := s.Get(ctx, "", "cas")
							if err != nil {
								t.Error(err)
								return
							}
							next := int64(1)
							if v != nil {
								next = v.(int64) + 1
							}
							ok, err := s.CAS(ctx, "", "cas", v, next)
							if err != nil {
								t.Error(err)
								return
							}
							if ok {
								break
							}
						}
					}
				}()
			}
			wg.Wait()
			want := int64(goroutines * n)
			for _, k := range []string{"hits", "cas"} {
				if v, _, _ := s.Get(ctx, "", k); v != want {
					t.Errorf("%s = %v, want %d", k, v, want)
				}
			}
		})
	}
}
