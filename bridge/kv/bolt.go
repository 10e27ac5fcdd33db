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
// bbolt has a single writer whose lock no context can interrupt, so writers
// first queue on a semaphore of the store's own, and a writer whose ctx ends
// while it waits gives up; a transaction does one key's work (one value of
// at most Limits.MaxValueBytes), so the lock itself is held briefly.
type Bolt struct {
	Store
	db *bolt.DB
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
	return &Bolt{Store: NewStore(boltBackend{db: db, writer: make(chan struct{}, 1)}, lim), db: db}, nil
}

// Close closes the database. Calls after Close fail.
func (b *Bolt) Close() error { return b.db.Close() }

// Path returns the database file.
func (b *Bolt) Path() string { return b.db.Path() }

// boltBackend keeps each namespace in a bucket of the root bucket, named
// "n" + ns (bucket names are never empty), holding a bucket "data" with the
// keys and the usage counts "keys" and "bytes".
type boltBackend struct {
	db     *bolt.DB
	writer chan struct{} // held by the goroutine in db.Update
}

func nsName(ns string) []byte { return append([]byte{'n'}, ns...) }

// boltData returns the data bucket of ns, or nil when it has none yet.
func boltDataBucket(tx *bolt.Tx, ns string) *bolt.Bucket {
	n := tx.Bucket(boltRoot).Bucket(nsName(ns))
	if n == nil {
		return nil
	}
	return n.Bucket(boltData)
}

// wrap names the file in errors that are not for the script.
func (b boltBackend) wrap(err error) error {
	if err == nil || isMessage(err) {
		return err
	}
	return fmt.Errorf("kv: %s: %w", b.db.Path(), err)
}

func (b boltBackend) Get(_ context.Context, ns, key string) (data []byte, err error) {
	err = b.db.View(func(tx *bolt.Tx) error {
		if d := boltDataBucket(tx, ns); d != nil {
			if v := d.Get([]byte(key)); v != nil {
				data = bytes.Clone(v) // v is valid only in the transaction
			}
		}
		return nil
	})
	return data, b.wrap(err)
}

func (b boltBackend) List(_ context.Context, ns, prefix, after string, limit int) ([]string, error) {
	keys := []string{}
	err := b.db.View(func(tx *bolt.Tx) error {
		d := boltDataBucket(tx, ns)
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

func (b boltBackend) Update(ctx context.Context, ns, key string, fn func([]byte, Usage) ([]byte, Usage, bool, error)) error {
	select {
	case b.writer <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("kv: %s: waiting for the writer: %w", b.db.Path(), ctx.Err())
	}
	defer func() { <-b.writer }()
	return b.wrap(b.db.Update(func(tx *bolt.Tx) error {
		n, err := tx.Bucket(boltRoot).CreateBucketIfNotExists(nsName(ns))
		if err != nil {
			return err
		}
		d, err := n.CreateBucketIfNotExists(boltData)
		if err != nil {
			return err
		}
		u := Usage{Keys: getInt(n, boltKeys), Bytes: getInt(n, boltBytes)}
		next, nu, write, err := fn(d.Get([]byte(key)), u)
		if err != nil || !write {
			return err
		}
		if next == nil {
			err = d.Delete([]byte(key))
		} else {
			err = d.Put([]byte(key), next)
		}
		if err != nil {
			return err
		}
		if err := putInt(n, boltKeys, nu.Keys); err != nil {
			return err
		}
		return putInt(n, boltBytes, nu.Bytes)
	}))
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
