package kv

import (
	"context"
	"errors"
	"fmt"
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
// Get reports whether the key exists. Delete reports whether it existed.
// List returns at most limit keys that start with prefix, sorted bytewise.
type Store interface {
	Get(ctx context.Context, key string) (any, bool, error)
	Set(ctx context.Context, key string, v any) error
	Delete(ctx context.Context, key string) (bool, error)
	List(ctx context.Context, prefix string, limit int) ([]string, error)
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

// Module returns the "kv" host module backed by store. The module holds no
// state of its own; several runs may share one store.
func Module(store Store) *bridge.Module {
	key := bridge.Param{Name: "key", Type: bridge.String, Doc: "non-empty, at most 1024 bytes of UTF-8, compared exactly"}
	return &bridge.Module{
		Name: "kv",
		Doc:  "A key-value store shared by the runs of this host.",
		Funcs: []*bridge.Func{
			{
				Name:   "get",
				Params: []bridge.Param{key},
				Doc:    "get(key) returns the value stored under key, or null.",
				Impl: func(ctx context.Context, args bridge.Args) (any, error) {
					k := args.String("key")
					if err := CheckKey(k); err != nil {
						return nil, err
					}
					v, ok, err := store.Get(ctx, k)
					if err != nil || !ok {
						return nil, err
					}
					return v, nil
				},
			},
			{
				Name: "set",
				Params: []bridge.Param{key,
					{Name: "value", Type: bridge.Any, Doc: "any value but null (use delete to remove a key)"}},
				Doc: "set(key, value) stores a copy of value under key.",
				Impl: func(ctx context.Context, args bridge.Args) (any, error) {
					k := args.String("key")
					if err := CheckKey(k); err != nil {
						return nil, err
					}
					return nil, store.Set(ctx, k, args["value"])
				},
			},
			{
				Name:   "delete",
				Params: []bridge.Param{key},
				Doc:    "delete(key) removes key and returns whether it existed.",
				Impl: func(ctx context.Context, args bridge.Args) (any, error) {
					k := args.String("key")
					if err := CheckKey(k); err != nil {
						return nil, err
					}
					return store.Delete(ctx, k)
				},
			},
			{
				Name: "list",
				Params: []bridge.Param{
					{Name: "prefix", Type: bridge.String, Optional: true, Doc: "only keys starting with prefix (default: all)"},
					{Name: "limit", Type: bridge.Int, Optional: true, Doc: "at most this many keys, 1..10000 (default 1000)"},
				},
				Doc: "list(prefix, limit) returns the keys starting with prefix, sorted, at most limit of them.",
				Impl: func(ctx context.Context, args bridge.Args) (any, error) {
					limit := int64(DefaultListLimit)
					if _, ok := args["limit"]; ok {
						limit = args.Int("limit")
						if limit < 1 || limit > MaxListLimit {
							return nil, bridge.Message(fmt.Sprintf("limit must be between 1 and %d, got %d", MaxListLimit, limit))
						}
					}
					keys, err := store.List(ctx, args.String("prefix"), int(limit))
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

// Limits bound what a store holds, so that scripts cannot fill the host's
// memory or disk. A zero or negative field means its default. Sizes are
// counted as bridge.Size counts them (roughly the JSON length); the total
// counts keys and values.
type Limits struct {
	MaxKeys       int   // number of keys; default DefaultMaxKeys
	MaxValueBytes int64 // size of one value; default DefaultMaxValueBytes
	MaxTotalBytes int64 // size of all keys and values; default DefaultMaxTotalBytes
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

func pickLimits(lim []Limits) Limits {
	var l Limits
	if len(lim) > 0 {
		l = lim[len(lim)-1]
	}
	return l.resolve()
}

type entry struct {
	v    any
	size int64 // bridge.SizeString(len(key)) + size of v
}

// table is the map and accounting shared by Memory and File; the caller
// holds the lock.
type table struct {
	lim   Limits
	m     map[string]entry
	total int64
}

func newTable(lim Limits) table { return table{lim: lim, m: map[string]entry{}} }

// prepare validates and copies a value to be stored.
func (t *table) prepare(v any) (any, int64, error) {
	if v == nil {
		return nil, 0, bridge.Message("value is null; use delete to remove a key")
	}
	c, n, err := bridge.Copy(v, bridge.ValueLimits{MaxBytes: t.lim.MaxValueBytes})
	if err != nil {
		var ve *bridge.ValueError
		if errors.As(err, &ve) && ve.TooLarge {
			return nil, 0, bridge.Message(fmt.Sprintf("value is larger than the limit of %d bytes", t.lim.MaxValueBytes))
		}
		return nil, 0, bridge.Message("value: " + err.Error())
	}
	return c, n, nil
}

// put stores an already prepared value, enforcing MaxKeys and MaxTotalBytes.
// It returns what was there before, for undo.
func (t *table) put(key string, v any, vsize int64) (prev entry, had bool, err error) {
	e := entry{v: v, size: bridge.SizeString(len(key)) + vsize}
	prev, had = t.m[key]
	if !had && len(t.m) >= t.lim.MaxKeys {
		return prev, had, bridge.Message(fmt.Sprintf("store is full: limit of %d keys", t.lim.MaxKeys))
	}
	total := t.total + e.size - prev.size
	if total > t.lim.MaxTotalBytes && total > t.total {
		return prev, had, bridge.Message(fmt.Sprintf("store is full: limit of %d bytes", t.lim.MaxTotalBytes))
	}
	t.m[key] = e
	t.total = total
	return prev, had, nil
}

// undo puts back what put or del replaced.
func (t *table) undo(key string, prev entry, had bool) {
	t.total -= t.m[key].size
	if had {
		t.m[key] = prev
		t.total += prev.size
	} else {
		delete(t.m, key)
	}
}

func (t *table) del(key string) (prev entry, had bool) {
	prev, had = t.m[key]
	if had {
		delete(t.m, key)
		t.total -= prev.size
	}
	return prev, had
}

func (t *table) get(key string) (any, bool, error) {
	e, ok := t.m[key]
	if !ok {
		return nil, false, nil
	}
	v, _, err := bridge.Copy(e.v, bridge.ValueLimits{})
	return v, true, err
}

func (t *table) list(prefix string, limit int) []string {
	var keys []string
	for k := range t.m {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	if limit >= 0 && len(keys) > limit {
		keys = keys[:limit]
	}
	if keys == nil {
		keys = []string{}
	}
	return keys
}
