package kv

import (
	"context"
	"sync"
)

// Memory is a Store in memory. It is safe for concurrent use and copies
// values in and out, so neither the script nor the host can change stored
// data except through Set and Delete.
type Memory struct {
	mu sync.RWMutex
	t  table
}

var _ Store = (*Memory)(nil)

// NewMemory returns an empty in-memory store. lim is optional; when several
// are given the last one is used; zero fields take their defaults.
func NewMemory(lim ...Limits) *Memory {
	return &Memory{t: newTable(pickLimits(lim))}
}

// Get returns a copy of the value under key.
func (m *Memory) Get(_ context.Context, key string) (any, bool, error) {
	if err := CheckKey(key); err != nil {
		return nil, false, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.t.get(key)
}

// Set stores a copy of v under key. v must be in the value model, not nil,
// and within the limits.
func (m *Memory) Set(_ context.Context, key string, v any) error {
	if err := CheckKey(key); err != nil {
		return err
	}
	c, n, err := m.t.prepare(v)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	_, _, err = m.t.put(key, c, n)
	return err
}

// Delete removes key and reports whether it existed.
func (m *Memory) Delete(_ context.Context, key string) (bool, error) {
	if err := CheckKey(key); err != nil {
		return false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	_, had := m.t.del(key)
	return had, nil
}

// List returns at most limit keys starting with prefix, sorted bytewise. A
// negative limit means no limit.
func (m *Memory) List(_ context.Context, prefix string, limit int) ([]string, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.t.list(prefix, limit), nil
}

// Len returns the number of keys.
func (m *Memory) Len() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.t.m)
}
