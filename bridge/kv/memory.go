package kv

import (
	"context"
	"sync"
)

// Memory is a Store in memory. It is safe for concurrent use and copies
// values in and out, so neither the script nor the host can change stored
// data except through the Store methods. It holds any value of the model,
// bytes included.
type Memory struct {
	lim Limits
	mu  sync.RWMutex
	ns  map[string]*table
}

var _ Store = (*Memory)(nil)

// NewMemory returns an empty in-memory store. lim is optional; when several
// are given the last one is used; zero fields take their defaults.
func NewMemory(lim ...Limits) *Memory {
	return &Memory{lim: pickLimits(lim), ns: map[string]*table{}}
}

// Get returns a copy of the value under key.
func (m *Memory) Get(_ context.Context, ns, key string) (any, bool, error) {
	if err := CheckKey(key); err != nil {
		return nil, false, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	t := m.ns[ns]
	if t == nil {
		return nil, false, nil
	}
	return t.get(key)
}

// update runs o on key under the write lock.
func (m *Memory) update(ctx context.Context, ns, key string, o op) (any, error) {
	if err := CheckKey(key); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	t := m.ns[ns]
	if t == nil {
		t = newTable()
		m.ns[ns] = t
	}
	res, _, err := t.apply(m.lim.of(ns), key, o)
	if len(t.m) == 0 {
		delete(m.ns, ns)
	}
	return res, err
}

// Set stores a copy of v under key. v must be in the value model, not nil,
// and within the limits.
func (m *Memory) Set(ctx context.Context, ns, key string, v any) error {
	if err := CheckKey(key); err != nil {
		return err
	}
	c, n, err := prepare(m.lim.of(ns), v, false)
	if err != nil {
		return err
	}
	_, err = m.update(ctx, ns, key, setOp(key, c, n))
	return err
}

// Delete removes key and reports whether it existed.
func (m *Memory) Delete(ctx context.Context, ns, key string) (bool, error) {
	res, err := m.update(ctx, ns, key, deleteOp)
	had, _ := res.(bool)
	return had, err
}

// Incr adds delta to the number under key and returns the sum.
func (m *Memory) Incr(ctx context.Context, ns, key string, delta any) (any, error) {
	o, err := incrOp(key, delta)
	if err != nil {
		return nil, err
	}
	return m.update(ctx, ns, key, o)
}

// CAS stores new under key if the current value equals old.
func (m *Memory) CAS(ctx context.Context, ns, key string, old, new any) (bool, error) {
	if err := CheckKey(key); err != nil {
		return false, err
	}
	old, c, n, err := prepareCAS(m.lim.of(ns), old, new, false)
	if err != nil {
		return false, err
	}
	res, err := m.update(ctx, ns, key, casOp(key, old, c, n))
	ok, _ := res.(bool)
	return ok, err
}

// List returns at most limit keys of ns starting with prefix and sorting
// after after, sorted bytewise. A negative limit means no limit.
func (m *Memory) List(_ context.Context, ns, prefix, after string, limit int) ([]string, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.ns[ns].list(prefix, after, limit), nil
}

// Len returns the number of keys in all namespaces.
func (m *Memory) Len() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	n := 0
	for _, t := range m.ns {
		n += len(t.m)
	}
	return n
}
