package kv

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rs/zerolog"
	"github.com/scriptrun/scriptrun/bridge"
)

var ctx = context.Background()

// stores returns a fresh Memory and a fresh File in a temp dir.
// Keys that look alike stay distinct, in memory and across a reopen.
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

// Many goroutines incrementing and compare-and-setting the same keys lose
// no update.

// The file is compact JSON: a value of about 50 KB takes no more on disk.
func TestFileCompact(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kv.json")
	f, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var list []any
	for i := 0; i < 1800; i++ {
		list = append(list, map[string]any{"id": int64(i), "ok": true})
	}
	if err := f.Set(ctx, "", "rows", list); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	size := bridge.Size(list)
	if int64(len(data)) > size+100 {
		t.Errorf("file is %d bytes for a value of %d", len(data), size)
	}
	if strings.Contains(string(data), "\n ") || strings.Contains(string(data), ": ") {
		t.Errorf("file is indented: %.80s", data)
	}
}

// A read-only file is refused when opened, and if it becomes read-only later,
// a change fails and leaves it as it was.
func TestFileReadOnly(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "kv.json")
	content := []byte(`{"a": 1}`)
	if err := os.WriteFile(path, content, 0o444); err != nil {
		t.Fatal(err)
	}
	_, err := OpenFile(path)
	if err == nil || !strings.Contains(err.Error(), path+" is read-only") {
		t.Errorf("OpenFile(read-only) = %v, want an error saying the file is read-only", err)
	}
	os.Chmod(path, 0o644)
	f, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(path, 0o444)
	if err := f.Set(ctx, "", "b", int64(2)); err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Errorf("Set on a file made read-only = %v, want a read-only error", err)
	}
	if data, _ := os.ReadFile(path); string(data) != string(content) {
		t.Errorf("read-only file rewritten: %s", data)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o444 {
		t.Errorf("mode = %v, want 0444", st.Mode().Perm())
	}
}

func TestFileMissingDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "missing")
	path := filepath.Join(dir, "kv.json")
	_, err := OpenFile(path)
	if err == nil || !strings.Contains(err.Error(), "the directory "+dir+" does not exist") {
		t.Errorf("OpenFile in a missing directory = %v", err)
	}
	notDir := filepath.Join(t.TempDir(), "file")
	os.WriteFile(notDir, nil, 0o600)
	_, err = OpenFile(filepath.Join(notDir, "kv.json"))
	if err == nil || !strings.Contains(err.Error(), "is not a directory") {
		t.Errorf("OpenFile under a file = %v", err)
	}
}

// A store waiting for the lock gives up when its ctx is done.
func TestFileLockWait(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kv.json")
	a, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := OpenFile(path) // as another process would: its own lock
	if err != nil {
		t.Fatal(err)
	}
	unlock, err := a.acquire(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	c, cancel := context.WithCancel(ctx)
	b.waiting = cancel // the first time b finds the file locked
	err = b.Set(c, "", "k", "v")
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "locked by another process") {
		t.Errorf("Set while locked, ctx cancelled = %v", err)
	}
	unlock()
	if err := b.Set(ctx, "", "k", "v"); err != nil {
		t.Errorf("Set after unlock: %v", err)
	}
	if v, _, _ := a.Get(ctx, "", "k"); v != "v" {
		t.Errorf("the other store's change is not seen: %v", v)
	}
}

const childEnv = "SCRIPTRUN_KV_TEST_CHILD"

// Two processes incrementing the same file, and one doing get + cas, lose no
// write.
func TestFileProcesses(t *testing.T) {
	if os.Getenv(childEnv) != "" {
		t.Skip("running as a child")
	}
	path := filepath.Join(t.TempDir(), "kv.json")
	const procs, n = 2, 200
	var cmds []*exec.Cmd
	for i := 0; i < procs; i++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestFileProcessChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), childEnv+"="+path, "SCRIPTRUN_KV_TEST_N="+strconv.Itoa(n))
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	for _, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("child: %v", err)
		}
	}
	f, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"incr", "cas"} {
		if v, _, _ := f.Get(ctx, "", k); v != int64(procs*n) {
			t.Errorf("%s = %v, want %d", k, v, procs*n)
		}
	}
	noTemps(t, filepath.Dir(path))
}

// TestFileProcessChild is TestFileProcesses's child: it increments the file
// named by SCRIPTRUN_KV_TEST_CHILD.
func TestFileProcessChild(t *testing.T) {
	path := os.Getenv(childEnv)
	if path == "" {
		t.Skip("only run as TestFileProcesses's child")
	}
	n, _ := strconv.Atoi(os.Getenv("SCRIPTRUN_KV_TEST_N"))
	f, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		if _, err := f.Incr(ctx, "", "incr", int64(1)); err != nil {
			t.Fatal(err)
		}
		for {
			v, _, err := f.Get(ctx, "", "cas")
			if err != nil {
				t.Fatal(err)
			}
			next := int64(1)
			if v != nil {
				next = v.(int64) + 1
			}
			ok, err := f.CAS(ctx, "", "cas", v, next)
			if err != nil {
				t.Fatal(err)
			}
			if ok {
				break
			}
		}
	}
}

// A change by another process is seen even when the new file's stamp looks
// like the one read before (an inode number reused within a coarse clock
// tick, same size): the lock file's generation tells.
func TestFileGeneration(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kv.json")
	a, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Set(ctx, "", "n", int64(1)); err != nil {
		t.Fatal(err)
	}
	if v, _, _ := b.Get(ctx, "", "n"); v != int64(1) {
		t.Fatalf("b sees n = %v", v)
	}
	if err := a.Set(ctx, "", "n", int64(2)); err != nil {
		t.Fatal(err)
	}
	b.stamp, _ = statFile(path) // as if the stamp had not changed
	if v, _, _ := b.Get(ctx, "", "n"); v != int64(2) {
		t.Errorf("b sees n = %v after a's change, want 2", v)
	}
}
