package kv

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/scriptrun/scriptrun/bridge"
)

// Store is where the kv module keeps its data. Implementations must be safe
// for concurrent use, must copy values in and out (no caller may hold a
// reference into the store), and should return a bridge.Message for errors
// the script may read (limits, refused values); any other error is shown to
// the script as a generic failure and goes to the host's audit log only.
//
// Every method takes a namespace, ns: the tenant whose keys it works on ("" is
// the shared namespace). Namespaces never see each other's keys, and the
// store's Limits apply to each namespace on its own (per-tenant quotas).
//
// Get reports whether the key exists. Delete reports whether it existed.
// List returns at most limit keys that start with prefix and sort after
// after (the cursor: the last key of the previous page; "" for the first
// page), sorted bytewise; a negative limit means no limit. Incr adds delta
// (an int64 or float64) to the number under key, a missing key counting as
// 0, and returns the sum. CAS replaces the value under key with new only if
// the current value equals old (old nil: only if the key is absent; new nil:
// delete the key) and reports whether it did. Incr and CAS are atomic with
// respect to every other call on the same store, in every process that
// shares it.
//
// kvtest.Run is the conformance suite a Store must pass.
type Store interface {
	Get(ctx context.Context, ns, key string) (any, bool, error)
	Set(ctx context.Context, ns, key string, v any) error
	Delete(ctx context.Context, ns, key string) (bool, error)
	List(ctx context.Context, ns, prefix, after string, limit int) ([]string, error)
	Incr(ctx context.Context, ns, key string, delta any) (any, error)
	CAS(ctx context.Context, ns, key string, old, new any) (bool, error)
}

// Key rules.
const (
	MaxKeyBytes = 1024 // longest key, in bytes
)

// List limits: the number of keys list returns when the script gives no
// limit, and the largest limit it may ask for.
const (
	DefaultListLimit = 1000
	MaxListLimit     = 10000
)

// CheckKey reports whether key is a valid key: non-empty, at most
// MaxKeyBytes bytes, valid UTF-8. Keys are literal strings: they are never
// normalized, trimmed or case-folded. The error is a bridge.Message.
func CheckKey(key string) error {
	switch {
	case key == "":
		return bridge.Message("key is empty")
	case len(key) > MaxKeyBytes:
		return bridge.Message(fmt.Sprintf("key is %d bytes, limit %d", len(key), MaxKeyBytes))
	case !utf8.ValidString(key):
		return bridge.Message("key is not valid UTF-8")
	}
	return nil
}

// Options configure Module. The zero value is one namespace shared by every
// run of the host.
type Options struct {
	// PerTenant gives each tenant (bridge.Run.Tenant, set from the run's
	// identity) its own namespace: scripts use plain keys, never see
	// another tenant's keys, and the store's limits apply per tenant. A run
	// without a tenant is refused.
	PerTenant bool
}

// Module returns the "kv" host module backed by store. The module holds no
// state of its own; several runs may share one store. opts is optional.
func Module(store Store, opts ...Options) *bridge.Module {
	var o Options
	if len(opts) > 0 {
		o = opts[len(opts)-1]
	}
	ns := func(ctx context.Context) (string, error) {
		if !o.PerTenant {
			return "", nil
		}
		if r := bridge.RunFrom(ctx); r != nil && r.Tenant != "" {
			return r.Tenant, nil
		}
		return "", errors.New("kv: the store is per tenant and the run has no tenant")
	}
	key := bridge.Param{Name: "key", Type: bridge.String, Doc: "non-empty, at most 1024 bytes of UTF-8, compared exactly"}
	// keyed wraps an implementation that works on one valid key.
	keyed := func(f func(ctx context.Context, ns, key string, args bridge.Args) (any, error)) func(context.Context, bridge.Args) (any, error) {
		return func(ctx context.Context, args bridge.Args) (any, error) {
			k := args.String("key")
			if err := CheckKey(k); err != nil {
				return nil, err
			}
			n, err := ns(ctx)
			if err != nil {
				return nil, err
			}
			return f(ctx, n, k, args)
		}
	}
	return &bridge.Module{
		Name: "kv",
		Doc:  "A key-value store shared by the runs of this host.",
		Funcs: []*bridge.Func{
			{
				Name:   "get",
				Params: []bridge.Param{key},
				Doc:    "get(key) returns the value stored under key, or null.",
				Impl: keyed(func(ctx context.Context, ns, k string, _ bridge.Args) (any, error) {
					v, ok, err := store.Get(ctx, ns, k)
					if err != nil || !ok {
						return nil, err
					}
					return v, nil
				}),
			},
			{
				Name: "set",
				Params: []bridge.Param{key,
					{Name: "value", Type: bridge.Any, Doc: "any value but null (use delete to remove a key)"}},
				Doc: "set(key, value) stores a copy of value under key.",
				Impl: keyed(func(ctx context.Context, ns, k string, args bridge.Args) (any, error) {
					return nil, store.Set(ctx, ns, k, args["value"])
				}),
			},
			{
				Name:   "delete",
				Params: []bridge.Param{key},
				Doc:    "delete(key) removes key and returns whether it existed.",
				Impl: keyed(func(ctx context.Context, ns, k string, _ bridge.Args) (any, error) {
					return store.Delete(ctx, ns, k)
				}),
			},
			{
				Name: "incr",
				Params: []bridge.Param{key,
					{Name: "delta", Type: bridge.Number, Optional: true, Doc: "the number to add (default 1)"}},
				Doc: "incr(key, delta) atomically adds delta to the number under key (a missing key counts as 0) and returns the sum.",
				Impl: keyed(func(ctx context.Context, ns, k string, args bridge.Args) (any, error) {
					delta, ok := args["delta"]
					if !ok {
						delta = int64(1)
					}
					return store.Incr(ctx, ns, k, delta)
				}),
			},
			{
				Name: "cas",
				Params: []bridge.Param{key,
					{Name: "old", Type: bridge.Any, Optional: true, Doc: "the value expected under key; null: the key must be absent"},
					{Name: "new", Type: bridge.Any, Optional: true, Doc: "the value to store; null: delete the key"}},
				Doc: "cas(key, old, new) atomically stores new under key if the current value equals old, and returns whether it did.",
				Impl: keyed(func(ctx context.Context, ns, k string, args bridge.Args) (any, error) {
					return store.CAS(ctx, ns, k, args["old"], args["new"])
				}),
			},
			{
				Name: "list",
				Params: []bridge.Param{
					{Name: "prefix", Type: bridge.String, Optional: true, Doc: "only keys starting with prefix (default: all)"},
					{Name: "limit", Type: bridge.Int, Optional: true, Doc: "at most this many keys, 1..10000 (default 1000)"},
					{Name: "after", Type: bridge.String, Optional: true, Doc: "only keys sorting after this one: the last key of the previous page"},
				},
				Doc: "list(prefix, limit, after) returns the keys starting with prefix that sort after after, sorted, at most limit of them.",
				Impl: func(ctx context.Context, args bridge.Args) (any, error) {
					limit := int64(DefaultListLimit)
					if _, ok := args["limit"]; ok {
						limit = args.Int("limit")
						if limit < 1 || limit > MaxListLimit {
							return nil, bridge.Message(fmt.Sprintf("limit must be between 1 and %d, got %d", MaxListLimit, limit))
						}
					}
					n, err := ns(ctx)
					if err != nil {
						return nil, err
					}
					keys, err := store.List(ctx, n, args.String("prefix"), args.String("after"), int(limit))
					if err != nil {
						return nil, err
					}
					if len(keys) > int(limit) {
						keys = keys[:limit]
					}
					out := make([]any, len(keys))
					for i, k := range keys {
						out[i] = k
					}
					return out, nil
				},
			},
		},
	}
}

// Limits bound what one namespace of a store holds, so that scripts cannot
// fill the host's memory or disk, and one tenant cannot take another's
// share. A zero or negative field means its default. Sizes are counted as
// bridge.Size counts them (roughly the JSON length); the total counts keys
// and values.
type Limits struct {
	MaxKeys       int   // number of keys per namespace; default DefaultMaxKeys
	MaxValueBytes int64 // size of one value; default DefaultMaxValueBytes
	MaxTotalBytes int64 // size of all keys and values of a namespace; default DefaultMaxTotalBytes

	// Tenant, if set, gives the limits of namespace ns (a tenant, with a
	// per-tenant module), for example by the tenant's plan. Fields it
	// leaves zero take the values above; its own Tenant is ignored. It is
	// called on every change, so it must be fast and safe for concurrent
	// use. A namespace already over its limits may shrink but not grow.
	Tenant func(ns string) Limits
}

// Defaults of Limits.
const (
	DefaultMaxKeys       = 10000
	DefaultMaxValueBytes = 64 << 10
	DefaultMaxTotalBytes = 16 << 20
)

func (l Limits) resolve() Limits {
	if l.MaxKeys <= 0 {
		l.MaxKeys = DefaultMaxKeys
	}
	if l.MaxValueBytes <= 0 {
		l.MaxValueBytes = DefaultMaxValueBytes
	}
	if l.MaxTotalBytes <= 0 {
		l.MaxTotalBytes = DefaultMaxTotalBytes
	}
	return l
}

// of returns the resolved limits of namespace ns.
func (l Limits) of(ns string) Limits {
	if l.Tenant == nil {
		return l
	}
	t := l.Tenant(ns)
	if t.MaxKeys <= 0 {
		t.MaxKeys = l.MaxKeys
	}
	if t.MaxValueBytes <= 0 {
		t.MaxValueBytes = l.MaxValueBytes
	}
	if t.MaxTotalBytes <= 0 {
		t.MaxTotalBytes = l.MaxTotalBytes
	}
	t.Tenant = nil
	return t
}

func pickLimits(lim []Limits) Limits {
	var l Limits
	if len(lim) > 0 {
		l = lim[len(lim)-1]
	}
	return l.resolve()
}

// prepare validates and copies a value to be stored, returning the copy and
// its size. With jsonOnly it also refuses what JSON cannot hold exactly.
func prepare(lim Limits, v any, jsonOnly bool) (any, int64, error) {
	if v == nil {
		return nil, 0, bridge.Message("value is null; use delete to remove a key")
	}
	c, n, err := bridge.Copy(v, bridge.ValueLimits{MaxBytes: lim.MaxValueBytes})
	if err != nil {
		var ve *bridge.ValueError
		if errors.As(err, &ve) && ve.TooLarge {
			return nil, 0, bridge.Message(fmt.Sprintf("value is larger than the limit of %d bytes", lim.MaxValueBytes))
		}
		return nil, 0, bridge.Message("value: " + err.Error())
	}
	if jsonOnly {
		if err := checkJSON(c, "$"); err != nil {
			return nil, 0, err
		}
	}
	return c, n, nil
}

// state is one key as an update sees it.
type state struct {
	v    any   // the current value, nil when absent
	size int64 // its entry size (key and value), 0 when absent
}

// usage is what one namespace holds.
type usage struct {
	keys  int64
	bytes int64
}

// change is what an update does to its key.
type change struct {
	write bool  // false: leave the key as it is
	v     any   // the new value; nil deletes the key
	size  int64 // its entry size
}

// op computes a change from the key's current state, and the result the
// caller gets. Ops run inside the store's lock or transaction, so they must
// not block.
type op func(cur state) (change, any, error)

// entrySize is what a key and its value count.
func entrySize(key string, vsize int64) int64 { return bridge.SizeString(len(key)) + vsize }

// check applies the namespace limits to a change: a new key must fit under
// MaxKeys and a grown total under MaxTotalBytes. A namespace already over
// its limits may shrink but not grow. It returns the usage after the change.
func (l Limits) check(u usage, cur state, c change) (usage, error) {
	if !c.write {
		return u, nil
	}
	had := cur.v != nil
	next := u
	switch {
	case c.v == nil && had:
		next.keys--
		next.bytes -= cur.size
		return next, nil
	case c.v == nil:
		return u, nil
	case !had:
		next.keys++
	}
	next.bytes += c.size - cur.size
	if !had && next.keys > int64(l.MaxKeys) {
		return u, bridge.Message(fmt.Sprintf("store is full: limit of %d keys", l.MaxKeys))
	}
	if next.bytes > l.MaxTotalBytes && next.bytes > u.bytes {
		return u, bridge.Message(fmt.Sprintf("store is full: limit of %d bytes", l.MaxTotalBytes))
	}
	return next, nil
}

// setOp stores an already prepared value.
func setOp(key string, v any, vsize int64) op {
	return func(state) (change, any, error) {
		return change{write: true, v: v, size: entrySize(key, vsize)}, nil, nil
	}
}

// deleteOp removes the key; the result is whether it existed.
func deleteOp(cur state) (change, any, error) {
	if cur.v == nil {
		return change{}, false, nil
	}
	return change{write: true}, true, nil
}

// incrOp adds delta (int64 or float64) to the number under key.
func incrOp(key string, delta any) (op, error) {
	switch d := delta.(type) {
	case int64:
		if d > bridge.MaxSafeInt || d < -bridge.MaxSafeInt {
			return nil, bridge.Message("delta is outside the safe integer range")
		}
	case float64:
		if math.IsNaN(d) || math.IsInf(d, 0) {
			return nil, bridge.Message("delta is not a finite number")
		}
	default:
		return nil, bridge.Message(fmt.Sprintf("delta is %s, not a number", bridge.TypeName(delta)))
	}
	return func(cur state) (change, any, error) {
		var sum any
		switch v := cur.v.(type) {
		case nil:
			sum = delta
		case int64:
			if d, ok := delta.(int64); ok {
				s := v + d // both within ±2^53: no int64 overflow
				if s > bridge.MaxSafeInt || s < -bridge.MaxSafeInt {
					return change{}, nil, bridge.Message("incr: the sum is outside the safe integer range (±2^53)")
				}
				sum = s
			} else {
				sum = float64(v) + delta.(float64)
			}
		case float64:
			sum = v + toFloat(delta)
		default:
			return change{}, nil, bridge.Message(fmt.Sprintf("incr: the value under the key is %s, not a number", bridge.TypeName(cur.v)))
		}
		if f, ok := sum.(float64); ok {
			n, ok := bridge.Num(f)
			if !ok {
				return change{}, nil, bridge.Message("incr: the sum is not a finite number")
			}
			sum = n
		}
		return change{write: true, v: sum, size: entrySize(key, bridge.SizeNumber)}, sum, nil
	}, nil
}

func toFloat(v any) float64 {
	if i, ok := v.(int64); ok {
		return float64(i)
	}
	return v.(float64)
}

// casOp stores next (already prepared; nil deletes) if the current value
// equals old (already canonical; nil: absent).
func casOp(key string, old, next any, nsize int64) op {
	return func(cur state) (change, any, error) {
		if !Equal(cur.v, old) {
			return change{}, false, nil
		}
		if next == nil && cur.v == nil {
			return change{}, true, nil
		}
		return change{write: true, v: next, size: entrySize(key, nsize)}, true, nil
	}
}

// prepareCAS checks and copies the arguments of CAS.
func prepareCAS(lim Limits, old, next any, jsonOnly bool) (any, any, int64, error) {
	if old != nil {
		c, _, err := bridge.Copy(old, bridge.ValueLimits{})
		if err != nil {
			return nil, nil, 0, bridge.Message("old value: " + err.Error())
		}
		old = c
	}
	if next == nil {
		return old, nil, 0, nil
	}
	c, n, err := prepare(lim, next, jsonOnly)
	return old, c, n, err
}

// Equal reports whether two values of the value model are equal, as CAS
// compares them: same type and same content (numbers are canonical, so 1 and
// 1.0 are both int64(1)).
func Equal(a, b any) bool {
	return reflect.DeepEqual(a, b)
}

// table is the map and accounting of one namespace, shared by Memory and
// File; the caller holds the lock.
type table struct {
	m map[string]state
	u usage
}

func newTable() *table { return &table{m: map[string]state{}} }

// apply runs o on key and applies the change within lim. It reports
// whether the table changed.
func (t *table) apply(lim Limits, key string, o op) (any, bool, error) {
	cur := t.m[key]
	c, res, err := o(cur)
	if err != nil {
		return nil, false, err
	}
	u, err := lim.check(t.u, cur, c)
	if err != nil {
		return nil, false, err
	}
	if c.write {
		if c.v == nil {
			delete(t.m, key)
		} else {
			t.m[key] = state{v: c.v, size: c.size}
		}
	}
	t.u = u
	return res, c.write, nil
}

// put adds a loaded entry without checking limits.
func (t *table) put(key string, v any, vsize int64) {
	s := state{v: v, size: entrySize(key, vsize)}
	if old, ok := t.m[key]; ok {
		t.u.bytes -= old.size
		t.u.keys--
	}
	t.m[key] = s
	t.u.keys++
	t.u.bytes += s.size
}

func (t *table) get(key string) (any, bool, error) {
	e, ok := t.m[key]
	if !ok {
		return nil, false, nil
	}
	v, _, err := bridge.Copy(e.v, bridge.ValueLimits{})
	return v, true, err
}

func (t *table) list(prefix, after string, limit int) []string {
	keys := []string{}
	if t == nil {
		return keys
	}
	for k := range t.m {
		if strings.HasPrefix(k, prefix) && k > after {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	if limit >= 0 && len(keys) > limit {
		keys = keys[:limit]
	}
	return keys
}
