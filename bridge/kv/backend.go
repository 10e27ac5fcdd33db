package kv

import (
	"context"
	"errors"
	"fmt"

	"github.com/scriptrun/scriptrun/bridge"
)

// Backend is the storage under a Store built by NewStore: keys and their
// values encoded as compact JSON, in namespaces, with each namespace's usage.
// A database store implements these three methods and gets the Store
// methods, their checks, limits and atomicity rules from NewStore, the same
// as every other store.
type Backend interface {
	// Get returns the encoded value under key, or nil when there is none.
	Get(ctx context.Context, ns, key string) ([]byte, error)
	// List returns at most limit keys of ns starting with prefix and
	// sorting after after, sorted bytewise; a negative limit means no limit.
	List(ctx context.Context, ns, prefix, after string, limit int) ([]string, error)
	// Update reads the usage of ns and the encoded value under key (nil
	// when absent), calls fn with them, and, if fn says write, stores next
	// under key (nil: deletes it) and the usage nu. All of it is one
	// transaction that no other Update of the same ns interleaves with, in
	// any process sharing the storage; when fn returns an error nothing is
	// written. Waiting for a lock ends when ctx is done.
	Update(ctx context.Context, ns, key string, fn func(cur []byte, u Usage) (next []byte, nu Usage, write bool, err error)) error
}

// Usage is what one namespace holds: its number of keys and their size
// (keys and values, as Limits count them).
type Usage struct {
	Keys, Bytes int64
}

// NewStore returns the Store on b with the limits lim (optional, as for
// NewMemory). Values are kept as JSON, so bytes values and strings that are
// not valid UTF-8 are refused with a bridge.Message.
func NewStore(b Backend, lim ...Limits) Store {
	return &encoded{b: b, lim: pickLimits(lim)}
}

type encoded struct {
	b   Backend
	lim Limits
}

func (s *encoded) Get(ctx context.Context, ns, key string) (any, bool, error) {
	if err := CheckKey(key); err != nil {
		return nil, false, err
	}
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	data, err := s.b.Get(ctx, ns, key)
	if err != nil || data == nil {
		return nil, false, err
	}
	v, _, err := DecodeValue(data)
	if err != nil {
		return nil, false, fmt.Errorf("kv: key %q: %w", truncate(key), err)
	}
	return v, true, nil
}

func (s *encoded) List(ctx context.Context, ns, prefix, after string, limit int) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	keys, err := s.b.List(ctx, ns, prefix, after, limit)
	if keys == nil && err == nil {
		keys = []string{}
	}
	return keys, err
}

// update runs o on key in one Backend.Update.
func (s *encoded) update(ctx context.Context, ns, key string, o op) (res any, err error) {
	if err := CheckKey(key); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	err = s.b.Update(ctx, ns, key, func(data []byte, u Usage) ([]byte, Usage, bool, error) {
		var cur state
		if data != nil {
			v, size, err := DecodeValue(data)
			if err != nil {
				return nil, u, false, fmt.Errorf("kv: key %q: %w", truncate(key), err)
			}
			cur = state{v: v, size: entrySize(key, size)}
		}
		c, r, err := o(cur)
		if err != nil {
			return nil, u, false, err
		}
		next, err := s.lim.of(ns).check(usage{keys: u.Keys, bytes: u.Bytes}, cur, c)
		if err != nil {
			return nil, u, false, err
		}
		res = r
		if !c.write {
			return nil, u, false, nil
		}
		var enc []byte
		if c.v != nil {
			if enc, err = EncodeValue(c.v); err != nil {
				return nil, u, false, err
			}
		}
		return enc, Usage{Keys: next.keys, Bytes: next.bytes}, true, nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

func (s *encoded) Set(ctx context.Context, ns, key string, v any) error {
	if err := CheckKey(key); err != nil {
		return err
	}
	c, n, err := prepare(s.lim.of(ns), v, true)
	if err != nil {
		return err
	}
	_, err = s.update(ctx, ns, key, setOp(key, c, n))
	return err
}

func (s *encoded) Delete(ctx context.Context, ns, key string) (bool, error) {
	res, err := s.update(ctx, ns, key, deleteOp)
	had, _ := res.(bool)
	return had, err
}

func (s *encoded) Incr(ctx context.Context, ns, key string, delta any) (any, error) {
	o, err := incrOp(key, delta)
	if err != nil {
		return nil, err
	}
	return s.update(ctx, ns, key, o)
}

func (s *encoded) CAS(ctx context.Context, ns, key string, old, new any) (bool, error) {
	if err := CheckKey(key); err != nil {
		return false, err
	}
	old, c, n, err := prepareCAS(s.lim.of(ns), old, new, true)
	if err != nil {
		return false, err
	}
	res, err := s.update(ctx, ns, key, casOp(key, old, c, n))
	ok, _ := res.(bool)
	return ok, err
}

// isMessage reports whether err is for the script to read.
func isMessage(err error) bool {
	var m bridge.Message
	return errors.As(err, &m)
}
