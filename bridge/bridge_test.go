package bridge

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rs/zerolog"
)

func TestCopy(t *testing.T) {
	deep := any(int64(1))
	for i := 0; i < 70; i++ {
		deep = []any{deep}
	}
	for _, tc := range []struct {
		name string
		in   any
		lim  ValueLimits
		want any
		err  string
	}{
		{"scalars", []any{nil, true, int64(3), 2.5, "s"}, ValueLimits{}, []any{nil, true, int64(3), 2.5, "s"}, ""},
		{"go forms", map[string]any{"i": 7, "u": uint8(2), "f": float32(0.5), "ss": []string{"a"}, "ms": map[string]string{"k": "v"}},
			ValueLimits{}, map[string]any{"i": int64(7), "u": int64(2), "f": 0.5, "ss": []any{"a"}, "ms": map[string]any{"k": "v"}}, ""},
		{"whole float", 3.0, ValueLimits{}, int64(3), ""},
		{"big int is float", int64(1) << 60, ValueLimits{}, float64(1 << 60), ""},
		{"huge uint", uint64(math.MaxUint64), ValueLimits{}, float64(math.MaxUint64), ""},
		{"bytes copied", []byte{1, 2}, ValueLimits{}, []byte{1, 2}, ""},
		{"NaN", map[string]any{"x": math.NaN()}, ValueLimits{}, nil, "at $.x: number is not finite"},
		{"Inf", []any{math.Inf(1)}, ValueLimits{}, nil, "at $[0]: number is not finite"},
		{"unsupported", map[string]any{"odd key": struct{}{}}, ValueLimits{}, nil, `at $["odd key"]: value of an unsupported type`},
		{"func", []any{func() {}}, ValueLimits{}, nil, "at $[0]: value of an unsupported type"},
		{"too deep", deep, ValueLimits{}, nil, "nested deeper than 64 levels"},
		{"too large", strings.Repeat("x", 100), ValueLimits{MaxBytes: 50}, nil, "larger than the limit of 50 bytes"},
	} {
		got, _, err := Copy(tc.in, tc.lim)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: err %v, want %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
	// A copy shares nothing with the original.
	in := map[string]any{"l": []any{int64(1)}, "b": []byte{1}}
	out, _, _ := Copy(in, ValueLimits{})
	in["l"].([]any)[0] = int64(9)
	in["b"].([]byte)[0] = 9
	if diff := cmp.Diff(map[string]any{"l": []any{int64(1)}, "b": []byte{1}}, out); diff != "" {
		t.Errorf("copy shares memory with its source:\n%s", diff)
	}
}

// FuzzCopy feeds JSON of any shape through Copy: it must not panic, and a
// value it accepts is within the limits and copies again to itself.
func FuzzCopy(f *testing.F) {
	for _, s := range []string{`null`, `[1,2.5,"x",{"a":[true]}]`, `{"a":{"b":{"c":1e308}}}`, `[[[[[[[[[[[]]]]]]]]]]]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var v any
		if json.Unmarshal([]byte(s), &v) != nil {
			return
		}
		lim := ValueLimits{MaxDepth: 8, MaxBytes: 4096}
		out, size, err := Copy(v, lim)
		if err != nil {
			var ve *ValueError
			if !errors.As(err, &ve) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		if size > lim.MaxBytes || Size(out) != size {
			t.Fatalf("size %d (Size %d) over the limit %d", size, Size(out), lim.MaxBytes)
		}
		again, _, err := Copy(out, lim)
		// reflect.DeepEqual: go-cmp takes twice as long per level of
		// nesting (a second at 20 levels), and the fuzzer nests deeper.
		if err != nil || !reflect.DeepEqual(out, again) {
			t.Fatalf("copy of a copy differs: %v", err)
		}
	})
}

type gateFunc func(context.Context, *Call) (Decision, error)

func (g gateFunc) Check(ctx context.Context, c *Call) (Decision, error) { return g(ctx, c) }

func TestDispatcher(t *testing.T) {
	ran := 0
	reg, err := NewRegistry(&Module{Name: "m", Funcs: []*Func{
		{Name: "f", Params: []Param{{Name: "s", Type: String}, {Name: "n", Type: Int, Optional: true}},
			Impl: func(ctx context.Context, a Args) (any, error) { ran++; return []string{a.String("s")}, nil }},
		{Name: "boom", Impl: func(ctx context.Context, a Args) (any, error) { panic("secret /path") }},
		{Name: "bad", Impl: func(ctx context.Context, a Args) (any, error) { return struct{}{}, nil }},
		{Name: "msg", Impl: func(ctx context.Context, a Args) (any, error) { return nil, Message("quota exceeded") }},
	}})
	if err != nil {
		t.Fatal(err)
	}
	allow := gateFunc(func(context.Context, *Call) (Decision, error) { return Decision{Allow: true, Rule: "r"}, nil })
	d := &Dispatcher{Registry: reg, Gate: allow, Log: zerolog.Nop()}
	ctx := context.Background()
	if got, err := d.Call(ctx, "m.f", []any{"x"}); err != nil || !cmp.Equal(got, []any{"x"}) {
		t.Errorf("m.f: %v %v", got, err)
	}
	for _, tc := range []struct {
		cap  string
		args []any
		want string
	}{
		{"m.nope", nil, "m.nope: no such host function"},
		{"m.f", nil, "m.f: param s: is required"},
		{"m.f", []any{int64(1)}, "m.f: param s: want string, got int"},
		{"m.f", []any{"x", 1.5}, "m.f: param n: want int, got number (not a whole number)"},
		{"m.f", []any{"x", int64(1), nil}, "m.f: takes at most 2 arguments, got 3"},
		{"m.boom", nil, "m.boom: host function failed"},
		{"m.bad", nil, "m.bad: returned a value outside the value model"},
		{"m.msg", nil, "m.msg: quota exceeded"},
	} {
		_, err := d.Call(ctx, tc.cap, tc.args)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s%v: got %v, want %q", tc.cap, tc.args, err, tc.want)
		}
	}
	var he *HostError
	if _, err := d.Call(ctx, "m.boom", nil); !errors.As(err, &he) || !he.Panic {
		t.Errorf("panic not reported as a host panic: %v", err)
	}
	deny := gateFunc(func(context.Context, *Call) (Decision, error) {
		return Decision{Rule: "no", Message: "nope"}, nil
	})
	before := ran
	_, err = (&Dispatcher{Registry: reg, Gate: deny, Log: zerolog.Nop()}).Call(ctx, "m.f", []any{"x"})
	var de *DeniedError
	if !errors.As(err, &de) || de.Rule != "no" || ran != before {
		t.Errorf("denied call: %v (ran %d times)", err, ran-before)
	}
}

// TestRegistryImmutable: changing a Module, its Funcs or Params after
// NewRegistry, or what Modules returned, changes nothing in the registry.
func TestRegistryImmutable(t *testing.T) {
	impl := func(context.Context, Args) (any, error) { return "original", nil }
	f := &Func{Name: "get", Params: []Param{{Name: "key", Type: String}}, Impl: impl}
	m := &Module{Name: "kv", Funcs: []*Func{f}}
	r, err := NewRegistry(m)
	if err != nil {
		t.Fatal(err)
	}
	m.Name = "other"
	m.Funcs = append(m.Funcs, &Func{Name: "set", Impl: impl})
	f.Name = "evil"
	f.Params[0] = Param{Name: "x", Type: Any}
	f.Impl = func(context.Context, Args) (any, error) { return "replaced", nil }
	got := r.Modules()
	got[0].Funcs[0].Params[0].Name = "y"
	got[0].Funcs[0].Impl = f.Impl

	want := []ModuleSpec{{Name: "kv", Funcs: []FuncSpec{{Name: "get", Params: []Param{{Name: "key", Type: String}}}}}}
	if diff := cmp.Diff(want, r.Specs()); diff != "" {
		t.Errorf("specs changed with the caller's structs (-want +got):\n%s", diff)
	}
	fn := r.Lookup("kv.get")
	if fn == nil || r.Lookup("other.get") != nil || r.Lookup("kv.set") != nil {
		t.Fatalf("lookups changed: kv.get %v", fn)
	}
	if v, _ := fn.Impl(context.Background(), nil); v != "original" {
		t.Errorf("Impl is %v, want the original", v)
	}
}

// TestHostFailureAudit: the audit event of a failed host function says why
// (the cause's text; for a panic that it panicked, with the Go stack in its
// own field), while the error the script sees says only that it failed.
func TestHostFailureAudit(t *testing.T) {
	reg, err := NewRegistry(&Module{Name: "m", Funcs: []*Func{
		{Name: "fail", Impl: func(context.Context, Args) (any, error) {
			return nil, errors.New("open /data/kv.json: permission denied")
		}},
		{Name: "boom", Impl: func(_ context.Context, a Args) (any, error) {
			var s []int
			return s[len(a)+3], nil // a Go runtime panic
		}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	var buf strings.Builder
	allow := gateFunc(func(context.Context, *Call) (Decision, error) { return Decision{Allow: true, Rule: "r"}, nil })
	d := &Dispatcher{Registry: reg, Gate: allow, Log: zerolog.New(&buf)}
	for _, tc := range []struct {
		cap, cause string
		panic      bool
	}{
		{"m.fail", "open /data/kv.json: permission denied", false},
		{"m.boom", "panic: runtime error: index out of range [3] with length 0", true},
	} {
		buf.Reset()
		_, err := d.Call(context.Background(), tc.cap, nil)
		var he *HostError
		if !errors.As(err, &he) || err.Error() != tc.cap+": host function failed" {
			t.Fatalf("%s: got %v, want a host error that names no cause", tc.cap, err)
		}
		var ev map[string]any
		if err := json.Unmarshal([]byte(buf.String()), &ev); err != nil {
			t.Fatalf("%s: audit event %q: %v", tc.cap, buf.String(), err)
		}
		if want := tc.cap + ": host function failed: " + tc.cause; ev["error"] != want {
			t.Errorf("%s: audit error %q, want %q", tc.cap, ev["error"], want)
		}
		stack, _ := ev["stack"].(string)
		if tc.panic != strings.Contains(stack, "bridge_test.go") {
			t.Errorf("%s: audit stack %q; want the panic's stack exactly when it panicked", tc.cap, stack)
		}
		if got := he.Cause(); tc.panic && strings.Contains(got, "index out of range") || !tc.panic && got != tc.cause {
			t.Errorf("%s: Cause() = %q", tc.cap, got)
		}
	}
}
