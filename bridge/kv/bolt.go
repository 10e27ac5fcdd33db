package kv

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/scriptrun/scriptrun/bridge"
)

// Bolt is a Store in an embedded bbolt database file: the persistent
// default. Every change is one bbolt transaction, durable (fsynced) when it
// returns; Incr and CAS read and write in the same transaction, so they are
// atomic. A namespace is a bucket of its own, with its key count and byte
// total kept beside it, so the limits cost no scan.
//
// A bbolt file is opened by one process at a time (bbolt holds an flock on
// it while open); share a store between processes or machines with the
// PostgreSQL store. Values are kept as compact JSON, so, as in File, bytes
// values and strings that are not valid UTF-8 are refused.
//
// Writers queue for bbolt's single writer lock, which no context can
// interrupt; a transaction here does one key's work (one value of at most
// Limits.MaxValueBytes), so the wait is short.
type Bolt struct {
	db  *bolt.DB
	lim Limits
}

var _ Store = (*Bolt)(nil)

// BoltOpenTimeout is how long OpenBolt waits for another process to close
// the file.
const BoltOpenTimeout = 5 * time.Second

var (
	boltRoot  = []byte("scriptrun.kv.v1")
	boltData  = []byte("data")
	boltKeys  = []byte("keys")
	boltBytes = []byte("bytes")
)

// OpenBolt opens (or creates, with mode 0600) the bbolt database at path. lim
// is optional as for NewMemory. A file that another process has open is an
// error after BoltOpenTimeout; a missing directory, a read-only file and a
// file that is not a bbolt database are errors naming the file.
func OpenBolt(path string, lim ...Limits) (*Bolt, error) {
	return openBolt(path, BoltOpenTimeout, pickLimits(lim))
}

func openBolt(path string, timeout time.Duration, lim Limits) (*Bolt, error) {
	dir := filepath.Dir(path)
	switch st, err := os.Stat(dir); {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("kv: %s: the directory %s does not exist", path, dir)
	case err != nil:
		return nil, fmt.Errorf("kv: %w", err)
	case !st.IsDir():
		return nil, fmt.Errorf("kv: %s: %s is not a directory", path, dir)
	}
	if st, err := statFile(path); err == nil && st.exists {
		if err := writable(path, st); err != nil {
			return nil, err
		}
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: timeout})
	switch {
	case errors.Is(err, bolterrors.ErrTimeout):
		return nil, fmt.Errorf("kv: %s is in use by another process (waited %v); a bbolt file serves one process at a time: share a store with PostgreSQL", path, timeout)
	case errors.Is(err, bolterrors.ErrInvalid), errors.Is(err, bolterrors.ErrVersionMismatch), errors.Is(err, bolterrors.ErrChecksum):
		return nil, fmt.Errorf("kv: %s is not a bbolt database (%v); a .json file name opens a JSON fixture", path, err)
	case err != nil:
		return nil, fmt.Errorf("kv: open %s: %w", path, err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(boltRoot)
		return err
	}); err != nil {
		db.Close()
		return nil, fmt.Errorf("kv: %s: %w", path, err)
	}
	return &Bolt{db: db, lim: lim}, nil
}

// Close closes the database. Calls after Close fail.
func (b *Bolt) Close() error { return b.db.Close() }

// Path returns the database file.
func (b *Bolt) Path() string { return b.db.Path() }

// nsName is the bucket name of a namespace (bucket names are never empty).
func nsName(ns string) []byte { return append([]byte{'n'}, ns...) }

// bucket returns the data bucket of ns, or nil when it has none yet.
func boltBucket(tx *bolt.Tx, ns string) *bolt.Bucket {
	n := tx.Bucket(boltRoot).Bucket(nsName(ns))
	if n == nil {
		return nil
	}
	return n.Bucket(boltData)
}

// wrap names the file in errors that are not for the script.
func (b *Bolt) wrap(err error) error {
	var m bridge.Message
	if err == nil || errors.As(err, &m) {
		return err
	}
	return fmt.Errorf("kv: %s: %w", b.db.Path(), err)
}

// Get returns a copy of the value under key.
func (b *Bolt) Get(ctx context.Context, ns, key string) (v any, ok bool, err error) {
	if err := CheckKey(key); err != nil {
		return nil, false, err
	}
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	err = b.db.View(func(tx *bolt.Tx) error {
		d := boltBucket(tx, ns)
		if d == nil {
			return nil
		}
		data := d.Get([]byte(key))
		if data == nil {
			return nil
		}
		v, _, err = DecodeValue(data)
		if err != nil {
			return fmt.Errorf("key %q: %w", truncate(key), err)
		}
		ok = true
		return nil
	})
	return v, ok, b.wrap(err)
}

// List returns at most limit keys of ns starting with prefix and sorting
// after after, sorted bytewise. A negative limit means no limit.
func (b *Bolt) List(ctx context.Context, ns, prefix, after string, limit int) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	keys := []string{}
	err := b.db.View(func(tx *bolt.Tx) error {
		d := boltBucket(tx, ns)
		if d == nil {
			return nil
		}
		start := []byte(prefix)
		if after >= prefix {
			start = append([]byte(after), 0)
		}
		c := d.Cursor()
		for k, _ := c.Seek(start); k != nil && bytes.HasPrefix(k, []byte(prefix)); k, _ = c.Next() {
			if limit >= 0 && len(keys) >= limit {
				break
			}
			keys = append(keys, string(k))
		}
		return nil
	})
	return keys, b.wrap(err)
}

// update runs o on key in one write transaction.
func (b *Bolt) update(ctx context.Context, ns, key string, o op) (res any, err error) {
	if err := CheckKey(key); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	err = b.db.Update(func(tx *bolt.Tx) error {
		n, err := tx.Bucket(boltRoot).CreateBucketIfNotExists(nsName(ns))
		if err != nil {
			return err
		}
		d, err := n.CreateBucketIfNotExists(boltData)
		if err != nil {
			return err
		}
		u := usage{keys: getInt(n, boltKeys), bytes: getInt(n, boltBytes)}
		var cur state
		if data := d.Get([]byte(key)); data != nil {
			v, size, err := DecodeValue(data)
			if err != nil {
				return fmt.Errorf("key %q: %w", truncate(key), err)
			}
			cur = state{v: v, size: entrySize(key, size)}
		}
		c, r, err := o(cur)
		if err != nil {
			return err
		}
		next, err := b.lim.check(u, cur, c)
		if err != nil {
			return err
		}
		res = r
		if !c.write {
			return nil
		}
		if c.v == nil {
			if err := d.Delete([]byte(key)); err != nil {
				return err
			}
		} else {
			data, err := EncodeValue(c.v)
			if err != nil {
				return err
			}
			if err := d.Put([]byte(key), data); err != nil {
				return err
			}
		}
		if err := putInt(n, boltKeys, next.keys); err != nil {
			return err
		}
		return putInt(n, boltBytes, next.bytes)
	})
	if err != nil {
		return nil, b.wrap(err)
	}
	return res, nil
}

func getInt(b *bolt.Bucket, k []byte) int64 {
	v := b.Get(k)
	if len(v) != 8 {
		return 0
	}
	return int64(binary.BigEndian.Uint64(v))
}

func putInt(b *bolt.Bucket, k []byte, n int64) error {
	return b.Put(k, binary.BigEndian.AppendUint64(nil, uint64(n)))
}

// Set stores a copy of v under key.
func (b *Bolt) Set(ctx context.Context, ns, key string, v any) error {
	if err := CheckKey(key); err != nil {
		return err
	}
	c, n, err := prepare(b.lim, v, true)
	if err != nil {
		return err
	}
	_, err = b.update(ctx, ns, key, setOp(key, c, n))
	return err
}

// Delete removes key and reports whether it existed.
func (b *Bolt) Delete(ctx context.Context, ns, key string) (bool, error) {
	res, err := b.update(ctx, ns, key, deleteOp)
	had, _ := res.(bool)
	return had, err
}

// Incr adds delta to the number under key and returns the sum.
func (b *Bolt) Incr(ctx context.Context, ns, key string, delta any) (any, error) {
	o, err := incrOp(key, delta)
	if err != nil {
		return nil, err
	}
	return b.update(ctx, ns, key, o)
}

// CAS stores new under key if the current value equals old.
func (b *Bolt) CAS(ctx context.Context, ns, key string, old, new any) (bool, error) {
	if err := CheckKey(key); err != nil {
		return false, err
	}
	old, c, n, err := prepareCAS(b.lim, old, new, true)
	if err != nil {
		return false, err
	}
	res, err := b.update(ctx, ns, key, casOp(key, old, c, n))
	ok, _ := res.(bool)
	return ok, err
}
