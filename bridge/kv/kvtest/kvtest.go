// Package kvtest is the conformance suite every kv.Store passes: the kv
// module's functions, keys, copies, limits, namespaces, and incr and cas
// under concurrency. A store's tests call Run with a function that returns a
// fresh, empty store:
//
//	func TestConformance(t *testing.T) {
//		kvtest.Run(t, func(t *testing.T, lim kv.Limits) kv.Store {
//			return kv.NewMemory(lim)
//		}, kvtest.Features{Bytes: true, Namespaces: true})
//	}
package kvtest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/scriptrun/scriptrun/bridge"
	"github.com/scriptrun/scriptrun/bridge/kv"
)

// Features says what a store holds beyond the JSON data model.
type Features struct {
	// Bytes: bytes values and strings that are not valid UTF-8 are kept
	// exactly. Stores without it must refuse them with a bridge.Message.
	Bytes bool
	// Namespaces: namespaces other than "" (per-tenant modules). Stores
	// without it must refuse them with an error.
	Namespaces bool
	// Slow: every change is expensive (an fsync); the concurrency tests do
	// fewer operations.
	Slow bool
}

// Open returns a fresh, empty store with the given limits.
type Open func(t *testing.T, lim kv.Limits) kv.Store

// Run runs the suite on the stores open returns.
func Run(t *testing.T, open Open, f Features) {
	s := &suite{open: open, f: f}
	for _, tc := range []struct {
		name string
		fn   func(*testing.T)
	}{
		{"Module", s.module},
		{"List", s.list},
		{"Keys", s.keys},
		{"Values", s.values},
		{"Copies", s.copies},
		{"Refused", s.refused},
		{"Limits", s.limits},
		{"TenantLimits", s.tenantLimits},
		{"Incr", s.incr},
		{"CAS", s.cas},
		{"Namespaces", s.namespaces},
		{"Cancelled", s.cancelled},
		{"AtomicConcurrency", s.atomic},
		{"MixedConcurrency", s.mixed},
	} {
		t.Run(tc.name, tc.fn)
	}
}

type suite struct {
	open Open
	f    Features
}

var ctx = context.Background()

func call(t *testing.T, s kv.Store, capability string, args bridge.Args) (any, error) {
	t.Helper()
	reg, err := bridge.NewRegistry(kv.Module(s))
	if err != nil {
		t.Fatal(err)
	}
	fn := reg.Lookup(capability)
	if fn == nil {
		t.Fatalf("no function %s", capability)
	}
	return fn.Impl(ctx, args)
}

// isMsg fails unless err is a bridge.Message containing want.
func isMsg(t *testing.T, what string, err error, want string) {
	t.Helper()
	var msg bridge.Message
	if !errors.As(err, &msg) || !strings.Contains(err.Error(), want) {
		t.Errorf("%s: err = %v (%T), want a bridge.Message containing %q", what, err, err, want)
	}
}

func (s *suite) module(t *testing.T) {
	st := s.open(t, kv.Limits{})
	val := map[string]any{"n": int64(1), "f": 1.5, "s": "x", "l": []any{true, nil, "y"}, "m": map[string]any{}}
	for _, k := range []string{"b", "a", "a:1", "a:2", "c"} {
		if _, err := call(t, st, "kv.set", bridge.Args{"key": k, "value": val}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := call(t, st, "kv.get", bridge.Args{"key": "a:1"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(any(val), got); diff != "" {
		t.Errorf("get (-want +got):\n%s", diff)
	}
	if got, err := call(t, st, "kv.get", bridge.Args{"key": "missing"}); got != nil || err != nil {
		t.Errorf("get missing = %v, %v; want nil", got, err)
	}
	for _, tc := range []struct {
		args bridge.Args
		want []any
	}{
		{bridge.Args{}, []any{"a", "a:1", "a:2", "b", "c"}},
		{bridge.Args{"prefix": "a:"}, []any{"a:1", "a:2"}},
		{bridge.Args{"prefix": "a", "limit": int64(2)}, []any{"a", "a:1"}},
		{bridge.Args{"prefix": "a", "limit": int64(2), "after": "a:1"}, []any{"a:2"}},
		{bridge.Args{"after": "a:2"}, []any{"b", "c"}},
		{bridge.Args{"after": "c"}, []any{}},
		{bridge.Args{"prefix": "zz"}, []any{}},
	} {
		got, err := call(t, st, "kv.list", tc.args)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(any(tc.want), got); diff != "" {
			t.Errorf("list %v (-want +got):\n%s", tc.args, diff)
		}
	}
	for _, lim := range []int64{0, -1, kv.MaxListLimit + 1} {
		_, err := call(t, st, "kv.list", bridge.Args{"limit": lim})
		isMsg(t, fmt.Sprintf("list limit %d", lim), err, "limit must be between")
	}
	if got, err := call(t, st, "kv.delete", bridge.Args{"key": "a"}); err != nil || got != true {
		t.Errorf("delete a = %v, %v; want true", got, err)
	}
	if got, err := call(t, st, "kv.delete", bridge.Args{"key": "a"}); err != nil || got != false {
		t.Errorf("delete a again = %v, %v; want false", got, err)
	}
	if got, err := call(t, st, "kv.incr", bridge.Args{"key": "n"}); err != nil || got != int64(1) {
		t.Errorf("incr n = %v, %v; want 1", got, err)
	}
	if got, err := call(t, st, "kv.cas", bridge.Args{"key": "n", "old": int64(1), "new": "one"}); err != nil || got != true {
		t.Errorf("cas n = %v, %v; want true", got, err)
	}
}

// Pages of a list, followed by their cursors, give every key once, in order.
func (s *suite) list(t *testing.T) {
	st := s.open(t, kv.Limits{})
	var want []string
	for i := 0; i < 57; i++ {
		k := fmt.Sprintf("p:%03d", i)
		want = append(want, k)
		if err := st.Set(ctx, "", k, int64(i)); err != nil {
			t.Fatal(err)
		}
	}
	st.Set(ctx, "", "o", int64(0))
	st.Set(ctx, "", "q", int64(0))
	var got []string
	after := ""
	for page := 0; page < 20; page++ {
		keys, err := st.List(ctx, "", "p:", after, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(keys) > 10 {
			t.Fatalf("page of %d keys, limit 10", len(keys))
		}
		if len(keys) == 0 {
			break
		}
		got = append(got, keys...)
		after = keys[len(keys)-1]
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("paged keys (-want +got):\n%s", diff)
	}
	all, err := st.List(ctx, "", "", "", -1)
	if err != nil || len(all) != 59 {
		t.Errorf("List without limit = %d keys, %v; want 59", len(all), err)
	}
}

func (s *suite) keys(t *testing.T) {
	st := s.open(t, kv.Limits{})
	for _, tc := range []struct {
		key  string
		want string
	}{
		{"", "key is empty"},
		{strings.Repeat("k", kv.MaxKeyBytes+1), "limit 1024"},
		{"a\xffb", "not valid UTF-8"},
	} {
		isMsg(t, fmt.Sprintf("Set(%.20q)", tc.key), st.Set(ctx, "", tc.key, "v"), tc.want)
		_, _, err := st.Get(ctx, "", tc.key)
		isMsg(t, fmt.Sprintf("Get(%.20q)", tc.key), err, tc.want)
		_, err = st.Incr(ctx, "", tc.key, int64(1))
		isMsg(t, fmt.Sprintf("Incr(%.20q)", tc.key), err, tc.want)
		_, err = st.CAS(ctx, "", tc.key, nil, "v")
		isMsg(t, fmt.Sprintf("CAS(%.20q)", tc.key), err, tc.want)
		_, err = st.Delete(ctx, "", tc.key)
		isMsg(t, fmt.Sprintf("Delete(%.20q)", tc.key), err, tc.want)
		_, err = call(t, st, "kv.get", bridge.Args{"key": tc.key})
		isMsg(t, fmt.Sprintf("get(%.20q)", tc.key), err, tc.want)
	}
	// Keys are literal: lookalikes stay distinct.
	keys := []string{"a", "a ", " a", "A", "\u00e9", "e\u0301", "\ufb01", "fi", "a\u200b", "a\x00b", strings.Repeat("é", kv.MaxKeyBytes/2)}
	for i, k := range keys {
		if err := st.Set(ctx, "", k, int64(i)); err != nil {
			t.Fatalf("Set(%.20q): %v", k, err)
		}
	}
	for i, k := range keys {
		v, ok, err := st.Get(ctx, "", k)
		if err != nil || !ok || v != int64(i) {
			t.Errorf("Get(%.20q) = %v, %v, %v; want %d", k, v, ok, err, i)
		}
	}
	if got, _ := st.List(ctx, "", "", "", -1); len(got) != len(keys) {
		t.Errorf("List = %q, want %d keys", got, len(keys))
	}
}

// Values come back as they went in, in canonical form.
func (s *suite) values(t *testing.T) {
	st := s.open(t, kv.Limits{})
	vals := map[string]any{
		"int":     int64(-42),
		"big":     int64(bridge.MaxSafeInt),
		"float":   0.1,
		"huge":    1e300,
		"tiny":    5e-324,
		"whole":   1e20, // above 2^53: stays a float64
		"str":     "<&> \"quoted\" \u2028 é \x00 \t",
		"true":    true,
		"empty":   "",
		"list":    []any{},
		"nested":  map[string]any{"a": []any{nil, true, false, map[string]any{"": "empty key"}}},
		"unicode": map[string]any{"é": "\U0001F600"},
	}
	for k, v := range vals {
		if err := st.Set(ctx, "", k, v); err != nil {
			t.Fatalf("Set(%s): %v", k, err)
		}
	}
	if s.f.Bytes {
		vals["bytes"] = []byte{0, 1, 0xff}
		vals["latin1"] = "a\xff"
		for _, k := range []string{"bytes", "latin1"} {
			if err := st.Set(ctx, "", k, vals[k]); err != nil {
				t.Fatalf("Set(%s): %v", k, err)
			}
		}
	}
	// Host forms are canonicalised on the way in.
	if err := st.Set(ctx, "", "canon", map[string]any{"i": int32(3), "f": 2.0, "l": []string{"x"}}); err != nil {
		t.Fatal(err)
	}
	vals["canon"] = map[string]any{"i": int64(3), "f": int64(2), "l": []any{"x"}}
	for k, want := range vals {
		got, ok, err := st.Get(ctx, "", k)
		if err != nil || !ok {
			t.Errorf("Get(%s) = %v, %v", k, ok, err)
			continue
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", k, diff)
		}
	}
}

// Neither the caller's value nor a value handed out aliases what is stored.
func (s *suite) copies(t *testing.T) {
	st := s.open(t, kv.Limits{})
	in := map[string]any{"l": []any{int64(1)}}
	if err := st.Set(ctx, "", "k", in); err != nil {
		t.Fatal(err)
	}
	in["l"].([]any)[0] = int64(99)
	in["x"] = "added"
	out, _, _ := st.Get(ctx, "", "k")
	out.(map[string]any)["l"].([]any)[0] = int64(42)
	newv := map[string]any{"n": int64(1)}
	if ok, err := st.CAS(ctx, "", "c", nil, newv); !ok || err != nil {
		t.Fatalf("CAS = %v, %v", ok, err)
	}
	newv["n"] = int64(2)
	want := map[string]any{"l": []any{int64(1)}}
	if got, _, _ := st.Get(ctx, "", "k"); !cmp.Equal(any(want), got) {
		t.Errorf("stored value changed: %v", got)
	}
	if got, _, _ := st.Get(ctx, "", "c"); !cmp.Equal(any(map[string]any{"n": int64(1)}), got) {
		t.Errorf("value stored by CAS changed: %v", got)
	}
}

func (s *suite) refused(t *testing.T) {
	st := s.open(t, kv.Limits{})
	isMsg(t, "Set null", st.Set(ctx, "", "k", nil), "null")
	isMsg(t, "Set func", st.Set(ctx, "", "k", func() {}), "unsupported")
	_, err := st.CAS(ctx, "", "k", nil, func() {})
	isMsg(t, "CAS new func", err, "unsupported")
	if !s.f.Bytes {
		for _, tc := range []struct {
			name string
			v    any
			want string
		}{
			{"bytes", []byte("x"), "bytes"},
			{"nested bytes", map[string]any{"a": []any{[]byte("x")}}, "value at $.a[0]: bytes"},
			{"bad utf8", "a\xff", "UTF-8"},
			{"bad utf8 map key", map[string]any{"\xff": int64(1)}, "map key"},
		} {
			isMsg(t, "Set "+tc.name, st.Set(ctx, "", "k", tc.v), tc.want)
			_, err := st.CAS(ctx, "", "k", nil, tc.v)
			isMsg(t, "CAS "+tc.name, err, tc.want)
		}
	}
	if _, ok, _ := st.Get(ctx, "", "k"); ok {
		t.Errorf("a refused value was stored")
	}
}

func (s *suite) limits(t *testing.T) {
	lim := kv.Limits{MaxKeys: 3, MaxValueBytes: 100, MaxTotalBytes: 200}
	st := s.open(t, lim)
	big := strings.Repeat("x", 99) // 101 bytes as a value
	isMsg(t, "big value", st.Set(ctx, "", "a", big), "larger than the limit of 100 bytes")
	isMsg(t, "big nested value", st.Set(ctx, "", "a", []any{strings.Repeat("x", 200)}), "limit of 100 bytes")
	_, err := st.CAS(ctx, "", "a", nil, big)
	isMsg(t, "big value by CAS", err, "limit of 100 bytes")
	v := strings.Repeat("x", 78) // 80 bytes + key 3 = 83
	for _, k := range []string{"a", "b"} {
		if err := st.Set(ctx, "", k, v); err != nil {
			t.Fatal(err)
		}
	}
	isMsg(t, "total", st.Set(ctx, "", "c", v), "limit of 200 bytes") // 3*83 > 200
	if err := st.Set(ctx, "", "c", "small"); err != nil {
		t.Fatal(err)
	}
	isMsg(t, "keys", st.Set(ctx, "", "d", "x"), "limit of 3 keys")
	_, err = st.Incr(ctx, "", "d", int64(1))
	isMsg(t, "keys by Incr", err, "limit of 3 keys")
	_, err = st.CAS(ctx, "", "d", nil, "x")
	isMsg(t, "keys by CAS", err, "limit of 3 keys")
	if err := st.Set(ctx, "", "c", "other"); err != nil {
		t.Errorf("overwrite within the limits: %v", err)
	}
	if _, err := st.Delete(ctx, "", "a"); err != nil {
		t.Fatal(err)
	}
	if err := st.Set(ctx, "", "d", "small"); err != nil {
		t.Errorf("Set after Delete freed a key: %v", err)
	}
	if ok, err := st.CAS(ctx, "", "d", "small", nil); !ok || err != nil {
		t.Errorf("CAS delete = %v, %v", ok, err)
	}
	if _, err := st.Incr(ctx, "", "d", int64(1)); err != nil {
		t.Errorf("Incr after CAS freed a key: %v", err)
	}
	if keys, _ := st.List(ctx, "", "", "", -1); len(keys) != 3 {
		t.Errorf("keys = %q, want 3", keys)
	}
	if !s.f.Namespaces {
		return
	}
	// The limits are per namespace: a full tenant does not fill another.
	for _, k := range []string{"a", "b", "c"} {
		if err := st.Set(ctx, "t2", k, v[:40]); err != nil {
			t.Errorf("namespace t2: Set(%s): %v", k, err)
		}
	}
	isMsg(t, "t2 keys", st.Set(ctx, "t2", "d", "x"), "limit of 3 keys")
}

// Limits.Tenant gives a namespace its own limits; fields it leaves zero
// keep the store's.
func (s *suite) tenantLimits(t *testing.T) {
	small, other := "", "other"
	if s.f.Namespaces {
		small = "small"
	}
	st := s.open(t, kv.Limits{MaxKeys: 3, MaxValueBytes: 100, Tenant: func(ns string) kv.Limits {
		if ns == small {
			return kv.Limits{MaxKeys: 1, MaxValueBytes: 20}
		}
		return kv.Limits{}
	}})
	if err := st.Set(ctx, small, "a", "x"); err != nil {
		t.Fatal(err)
	}
	isMsg(t, "second key", st.Set(ctx, small, "b", "x"), "limit of 1 keys")
	isMsg(t, "value", st.Set(ctx, small, "a", strings.Repeat("x", 30)), "limit of 20 bytes")
	if err := st.Set(ctx, small, "a", strings.Repeat("x", 10)); err != nil {
		t.Errorf("a value within the tenant's limit: %v", err)
	}
	if !s.f.Namespaces {
		return
	}
	for _, k := range []string{"a", "b", "c"} {
		if err := st.Set(ctx, other, k, strings.Repeat("x", 50)); err != nil {
			t.Errorf("namespace %s keeps the store's limits: Set(%s): %v", other, k, err)
		}
	}
	isMsg(t, "other's fourth key", st.Set(ctx, other, "d", "x"), "limit of 3 keys")
}

func (s *suite) incr(t *testing.T) {
	st := s.open(t, kv.Limits{})
	for _, tc := range []struct {
		delta any
		want  any
	}{
		{int64(1), int64(1)},
		{int64(41), int64(42)},
		{-2.5, 39.5},
		{0.5, int64(40)}, // whole again: an int
		{int64(-40), int64(0)},
		{1e300, 1e300},
	} {
		got, err := st.Incr(ctx, "", "n", tc.delta)
		if err != nil || got != tc.want {
			t.Errorf("Incr(n, %v) = %v, %v; want %v", tc.delta, got, err, tc.want)
		}
		if v, _, _ := st.Get(ctx, "", "n"); v != tc.want {
			t.Errorf("after Incr(n, %v): n = %v, want %v", tc.delta, v, tc.want)
		}
	}
	st.Set(ctx, "", "s", "text")
	st.Set(ctx, "", "big", int64(bridge.MaxSafeInt))
	st.Set(ctx, "", "h", 1e308)
	for _, tc := range []struct {
		key   string
		delta any
		want  string
	}{
		{"s", int64(1), "is string, not a number"},
		{"big", int64(1), "outside the safe integer range"},
		{"h", 1e308, "not a finite number"},
		{"x", int64(bridge.MaxSafeInt + 1), "delta is outside the safe integer range"},
		{"x", "1", "delta is string, not a number"},
	} {
		_, err := st.Incr(ctx, "", tc.key, tc.delta)
		isMsg(t, fmt.Sprintf("Incr(%s, %v)", tc.key, tc.delta), err, tc.want)
	}
	if v, _, _ := st.Get(ctx, "", "s"); v != "text" {
		t.Errorf("a failed Incr changed s to %v", v)
	}
	if _, ok, _ := st.Get(ctx, "", "x"); ok {
		t.Errorf("a failed Incr created x")
	}
	// Through the module: delta defaults to 1.
	if got, err := call(t, st, "kv.incr", bridge.Args{"key": "m"}); err != nil || got != int64(1) {
		t.Errorf("incr(m) = %v, %v; want 1", got, err)
	}
}

func (s *suite) cas(t *testing.T) {
	st := s.open(t, kv.Limits{})
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
		{7.0, int64(8), true, int64(8)},
		{"8", int64(9), false, int64(8)}, // a string is not a number
		{int64(8), nil, true, nil},       // delete
		{nil, nil, true, nil},            // absent and stays absent
		{int64(8), nil, false, nil},      // nothing to delete
	} {
		got, err := st.CAS(ctx, "", "k", tc.old, tc.new)
		if err != nil || got != tc.want {
			t.Errorf("#%d CAS(k, %v, %v) = %v, %v; want %v", i, tc.old, tc.new, got, err, tc.want)
		}
		v, _, _ := st.Get(ctx, "", "k")
		if diff := cmp.Diff(tc.after, v); diff != "" {
			t.Errorf("#%d after CAS (-want +got):\n%s", i, diff)
		}
	}
	// Through the module: omitted old and new are null.
	if got, err := call(t, st, "kv.cas", bridge.Args{"key": "m", "new": "v"}); err != nil || got != true {
		t.Errorf("cas(m, null, v) = %v, %v; want true", got, err)
	}
	if got, err := call(t, st, "kv.cas", bridge.Args{"key": "m", "old": "v"}); err != nil || got != true {
		t.Errorf("cas(m, v, null) = %v, %v; want true", got, err)
	}
	if _, ok, _ := st.Get(ctx, "", "m"); ok {
		t.Errorf("cas(m, v, null) did not delete m")
	}
}

func (s *suite) namespaces(t *testing.T) {
	st := s.open(t, kv.Limits{})
	if !s.f.Namespaces {
		if err := st.Set(ctx, "acme", "k", "v"); err == nil {
			t.Errorf("Set in namespace acme succeeded on a store without namespaces")
		}
		if _, err := st.List(ctx, "acme", "", "", -1); err == nil {
			t.Errorf("List in namespace acme succeeded on a store without namespaces")
		}
		return
	}
	for _, ns := range []string{"", "acme", "globex"} {
		if err := st.Set(ctx, ns, "k", "in "+ns); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Incr(ctx, ns, "n", int64(len(ns)+1)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.Delete(ctx, "globex", "n"); err != nil {
		t.Fatal(err)
	}
	for ns, want := range map[string][]string{"": {"k", "n"}, "acme": {"k", "n"}, "globex": {"k"}, "other": {}} {
		if got, err := st.List(ctx, ns, "", "", -1); err != nil || !cmp.Equal(want, got) {
			t.Errorf("List(%q) = %q, %v; want %q", ns, got, err, want)
		}
		v, ok, _ := st.Get(ctx, ns, "k")
		if ns == "other" {
			if ok {
				t.Errorf("namespace other sees k = %v", v)
			}
			continue
		}
		if v != "in "+ns {
			t.Errorf("Get(%q, k) = %v", ns, v)
		}
	}
	if v, _, _ := st.Get(ctx, "acme", "n"); v != int64(5) {
		t.Errorf("acme n = %v, want 5", v)
	}

	// Through a per-tenant module, the run's tenant picks the namespace.
	reg, err := bridge.NewRegistry(kv.Module(st, kv.Options{PerTenant: true}))
	if err != nil {
		t.Fatal(err)
	}
	get := reg.Lookup("kv.get").Impl
	for tenant, want := range map[string]any{"acme": "in acme", "globex": "in globex", "other": nil} {
		rctx := bridge.WithRun(ctx, &bridge.Run{Tenant: tenant})
		if got, err := get(rctx, bridge.Args{"key": "k"}); err != nil || got != want {
			t.Errorf("tenant %s: get(k) = %v, %v; want %v", tenant, got, err, want)
		}
	}
	if _, err := get(ctx, bridge.Args{"key": "k"}); err == nil {
		t.Errorf("a per-tenant module served a run without a tenant")
	}
	if _, err := get(bridge.WithRun(ctx, &bridge.Run{}), bridge.Args{"key": "k"}); err == nil {
		t.Errorf("a per-tenant module served a run with an empty tenant")
	}
}

// A call whose ctx is already done changes nothing.
func (s *suite) cancelled(t *testing.T) {
	st := s.open(t, kv.Limits{})
	c, cancel := context.WithCancel(ctx)
	cancel()
	if err := st.Set(c, "", "k", "v"); err == nil {
		t.Errorf("Set with a cancelled ctx succeeded")
	}
	if _, err := st.Incr(c, "", "k", int64(1)); err == nil {
		t.Errorf("Incr with a cancelled ctx succeeded")
	}
	if _, err := st.CAS(c, "", "k", nil, "v"); err == nil {
		t.Errorf("CAS with a cancelled ctx succeeded")
	}
	if _, ok, _ := st.Get(ctx, "", "k"); ok {
		t.Errorf("a cancelled call stored k")
	}
}

// Many goroutines incrementing and compare-and-setting the same keys lose
// no update.
func (s *suite) atomic(t *testing.T) {
	st := s.open(t, kv.Limits{})
	goroutines, n := 8, 200
	if s.f.Slow {
		n = 25
	}
	var wg sync.WaitGroup
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < n; i++ {
				if _, err := st.Incr(ctx, "", "hits", int64(1)); err != nil {
					t.Error(err)
					return
				}
				// get + cas, retried until it swaps.
				for {
					v, _, err := st.Get(ctx, "", "cas")
					if err != nil {
						t.Error(err)
						return
					}
					next := int64(1)
					if v != nil {
						next = v.(int64) + 1
					}
					ok, err := st.CAS(ctx, "", "cas", v, next)
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
		if v, _, _ := st.Get(ctx, "", k); v != want {
			t.Errorf("%s = %v, want %d", k, v, want)
		}
	}
}

// Sets, gets, lists and deletes racing each other leave a consistent store.
func (s *suite) mixed(t *testing.T) {
	st := s.open(t, kv.Limits{MaxKeys: 5})
	n := 100
	if s.f.Slow {
		n = 15
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < n; i++ {
				k := fmt.Sprintf("k%d", (g+i)%8)
				err := st.Set(ctx, "", k, map[string]any{"g": int64(g), "i": int64(i)})
				var msg bridge.Message
				if err != nil && !errors.As(err, &msg) {
					t.Error(err)
				}
				st.Get(ctx, "", k)
				if keys, err := st.List(ctx, "", "k", "", 3); err != nil || len(keys) > 3 {
					t.Errorf("List = %q, %v", keys, err)
				}
				if i%3 == 0 {
					st.Delete(ctx, "", k)
				}
			}
		}()
	}
	wg.Wait()
	keys, _ := st.List(ctx, "", "", "", -1)
	if len(keys) > 5 {
		t.Errorf("%d keys, limit 5", len(keys))
	}
	for _, k := range keys {
		if _, ok, err := st.Get(ctx, "", k); !ok || err != nil {
			t.Errorf("Get(%s) = %v, %v", k, ok, err)
		}
	}
	// The limit still counts right: filling up to it works, one more fails.
	for i := len(keys); i < 5; i++ {
		if err := st.Set(ctx, "", fmt.Sprintf("z%d", i), int64(i)); err != nil {
			t.Errorf("Set up to the limit: %v", err)
		}
	}
	isMsg(t, "Set over the limit", st.Set(ctx, "", "over", int64(1)), "limit of 5 keys")
}
