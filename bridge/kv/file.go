package kv

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/scriptrun/scriptrun/bridge"
)

// File is a Store backed by a JSON file: one object mapping each key to its
// value, the fixture format of the CLI's --kv flag. Several goroutines and
// several processes may share one file: every operation takes an flock on a
// lock file beside it (".NAME.lock"; shared for reads, exclusive for
// changes), re-reads the file if another process changed it, and every
// change rewrites the whole file atomically: compact JSON goes to a
// temporary file in the same directory, which is synced and renamed over
// the old one, and the directory is synced. No change is lost, and a crash
// or a failed write never leaves a half-written file (the old one stays).
// Waiting for the lock ends when the caller's ctx does.
//
// Rewriting the whole file on each change makes File a store for fixtures
// and small data; Bolt is the persistent store for real use.
//
// A file holds only what JSON can say exactly: bytes values and strings that
// are not valid UTF-8 are refused (with a bridge.Message) instead of being
// changed on the way to disk. Encode bytes as hex or base64 strings. File
// has one namespace, "": the file format has no room for tenants (use
// Memory, Bolt or PostgreSQL for a per-tenant module).
type File struct {
	path string
	lock string // the lock file
	lim  Limits
	sem  chan struct{} // held by the goroutine working on the file

	// Guarded by sem: the file's content as last read or written, the
	// stamp of the file it came from and the lock file's generation then;
	// the open lock file while the lock is held.
	t     *table
	stamp stamp
	gen   uint64
	lockf *os.File

	// write writes the encoded file to the temporary file; tests replace
	// it to make a write fail.
	write func(w io.Writer, data []byte) error
	// waiting, if set, is called when a lock is found taken (tests).
	waiting func()
}

var _ Store = (*File)(nil)

// stamp identifies one version of the file: every change renames a new file
// into place, so a different inode, size or modification time means another
// writer changed it. The zero stamp is a missing file. A stamp alone can
// miss a change (an inode number reused within one tick of a coarse clock,
// with the same size), so writers also count a generation in the lock file
// (see refresh); the stamp catches edits made without the lock.
type stamp struct {
	ino, dev   uint64
	size       int64
	mtime      int64
	ctime      int64
	exists     bool
	writeable  bool
	permission fs.FileMode
}

func statFile(path string) (stamp, error) {
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return stamp{}, nil
	}
	if err != nil {
		return stamp{}, err
	}
	s := stamp{exists: true, size: st.Size(), mtime: st.ModTime().UnixNano(), permission: st.Mode().Perm()}
	s.ino, s.dev, s.ctime = fileIdentity(st)
	s.writeable = st.Mode().Perm()&0o200 != 0
	return s, nil
}

// OpenFile opens the store at path. A missing or empty file is an empty
// store (the file is created by the first change); a file that is not a JSON
// object of valid keys is an error naming the file and the line and column
// of the problem. lim is optional as for NewMemory; a file that is already
// over the limits opens, but changes that would grow it are refused.
//
// OpenFile refuses, with an error saying why, a file that is read-only (no
// owner write permission, or not writable by this process), a directory that
// is missing, and a directory this process cannot create files in: the store
// could not keep its changes. A new file is created with mode 0600; an
// existing file keeps its mode. If path is a symbolic link, the file it
// points to is the one rewritten.
func OpenFile(path string, lim ...Limits) (*File, error) {
	if p, err := filepath.EvalSymlinks(path); err == nil {
		path = p
	}
	dir := filepath.Dir(path)
	switch st, err := os.Stat(dir); {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("kv: %s: the directory %s does not exist", path, dir)
	case err != nil:
		return nil, fmt.Errorf("kv: %w", err)
	case !st.IsDir():
		return nil, fmt.Errorf("kv: %s: %s is not a directory", path, dir)
	}
	if err := unix.Access(dir, unix.W_OK|unix.X_OK); err != nil {
		return nil, fmt.Errorf("kv: %s: cannot create files in the directory %s (%v); the store rewrites its file on every change", path, dir, err)
	}
	st, err := statFile(path)
	if err != nil {
		return nil, fmt.Errorf("kv: %w", err)
	}
	if st.exists {
		if err := writable(path, st); err != nil {
			return nil, err
		}
	}
	f := &File{
		path:  path,
		lock:  filepath.Join(dir, "."+filepath.Base(path)+".lock"),
		lim:   pickLimits(lim),
		sem:   make(chan struct{}, 1),
		write: writeAll,
	}
	unlock, err := f.acquire(context.Background(), false)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if err := f.refresh(); err != nil {
		return nil, err
	}
	return f, nil
}

// writable refuses a file that exists but may not be changed.
func writable(path string, st stamp) error {
	if !st.writeable {
		return fmt.Errorf("kv: %s is read-only (mode %v); the store rewrites its file on every change: make it writable or use a copy", path, st.permission)
	}
	if err := unix.Access(path, unix.W_OK); err != nil {
		return fmt.Errorf("kv: %s is not writable (%v); the store rewrites its file on every change: make it writable or use a copy", path, err)
	}
	return nil
}

func writeAll(w io.Writer, data []byte) error {
	_, err := w.Write(data)
	return err
}

// Path returns the file the store writes.
func (f *File) Path() string { return f.path }

// acquire takes the in-process semaphore and the lock file's flock (shared
// or exclusive), waiting at most until ctx is done. The returned function
// releases both.
func (f *File) acquire(ctx context.Context, exclusive bool) (func(), error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("kv: %s: %w", f.path, err)
	}
	select {
	case f.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("kv: %s: waiting for the store: %w", f.path, ctx.Err())
	}
	release := func() { <-f.sem }
	lf, err := os.OpenFile(f.lock, os.O_RDWR|os.O_CREATE|syscall.O_CLOEXEC, 0o600)
	if err != nil {
		release()
		return nil, fmt.Errorf("kv: lock %s: %w", f.path, err)
	}
	how := unix.LOCK_SH
	if exclusive {
		how = unix.LOCK_EX
	}
	wait := time.Millisecond
	for {
		err := unix.Flock(int(lf.Fd()), how|unix.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, unix.EWOULDBLOCK) && !errors.Is(err, unix.EINTR) {
			lf.Close()
			release()
			return nil, fmt.Errorf("kv: lock %s: %w", f.path, err)
		}
		if f.waiting != nil {
			f.waiting()
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			lf.Close()
			release()
			return nil, fmt.Errorf("kv: %s is locked by another process: %w", f.path, ctx.Err())
		}
		if wait < 20*time.Millisecond {
			wait *= 2
		}
	}
	f.lockf = lf
	return func() {
		f.lockf = nil
		lf.Close() // closing the last descriptor releases the flock
		release()
	}, nil
}

// refresh re-reads the file if it changed since it was last read. The
// caller holds the lock.
func (f *File) refresh() error {
	st, err := statFile(f.path)
	if err != nil {
		return fmt.Errorf("kv: %w", err)
	}
	gen, err := f.readGen()
	if err != nil {
		return err
	}
	if f.t != nil && st == f.stamp && gen == f.gen {
		return nil
	}
	t := newTable()
	if st.exists {
		data, err := os.ReadFile(f.path)
		if err != nil {
			return fmt.Errorf("kv: %w", err)
		}
		m, err := decodeFile(f.path, data)
		if err != nil {
			return fmt.Errorf("kv: %w", err)
		}
		for _, k := range bridge.SortedKeys(m) {
			if err := CheckKey(k); err != nil {
				return fmt.Errorf("kv: %s: key %q: %v", f.path, truncate(k), err)
			}
			v, n, err := bridge.Copy(m[k], bridge.ValueLimits{})
			if err != nil {
				return fmt.Errorf("kv: %s: key %q: %v", f.path, truncate(k), err)
			}
			t.put(k, v, n)
		}
	}
	f.t, f.stamp, f.gen = t, st, gen
	return nil
}

// readGen reads the generation in the lock file: the number of changes
// written under the lock (0 for a new lock file). The caller holds the lock.
func (f *File) readGen() (uint64, error) {
	var b [8]byte
	n, err := f.lockf.ReadAt(b[:], 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return 0, fmt.Errorf("kv: lock %s: %w", f.path, err)
	}
	if n < len(b) {
		return 0, nil
	}
	return binary.BigEndian.Uint64(b[:]), nil
}

// bumpGen counts one change in the lock file. The caller holds the
// exclusive lock. No fsync: after a crash no process has a cache to
// invalidate.
func (f *File) bumpGen() error {
	f.gen++
	if _, err := f.lockf.WriteAt(binary.BigEndian.AppendUint64(nil, f.gen), 0); err != nil {
		f.t = nil
		return fmt.Errorf("kv: lock %s: %w", f.path, err)
	}
	return nil
}

// errNamespace refuses a namespace other than "".
func (f *File) checkNS(ns string) error {
	if ns != "" {
		return fmt.Errorf("kv: %s: a JSON file store has one namespace; a per-tenant kv module needs the memory, bbolt or PostgreSQL store", f.path)
	}
	return nil
}

// read runs fn on the current content under a shared lock.
func (f *File) read(ctx context.Context, ns string, fn func(t *table) error) error {
	if err := f.checkNS(ns); err != nil {
		return err
	}
	unlock, err := f.acquire(ctx, false)
	if err != nil {
		return err
	}
	defer unlock()
	if err := f.refresh(); err != nil {
		return err
	}
	return fn(f.t)
}

// update runs o on key under the exclusive lock, on the file's current
// content, and writes the file if o changed something.
func (f *File) update(ctx context.Context, ns, key string, o op) (any, error) {
	if err := CheckKey(key); err != nil {
		return nil, err
	}
	if err := f.checkNS(ns); err != nil {
		return nil, err
	}
	unlock, err := f.acquire(ctx, true)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if err := f.refresh(); err != nil {
		return nil, err
	}
	res, changed, err := f.t.apply(f.lim.of(ns), key, o)
	if err != nil || !changed {
		return res, err
	}
	if err := f.save(); err != nil {
		f.t = nil // re-read the file, which still has the old content, next time
		return nil, err
	}
	return res, nil
}

// Get returns a copy of the value under key.
func (f *File) Get(ctx context.Context, ns, key string) (v any, ok bool, err error) {
	if err := CheckKey(key); err != nil {
		return nil, false, err
	}
	err = f.read(ctx, ns, func(t *table) (err error) {
		v, ok, err = t.get(key)
		return err
	})
	return v, ok, err
}

// List returns at most limit keys starting with prefix and sorting after
// after, sorted bytewise. A negative limit means no limit.
func (f *File) List(ctx context.Context, ns, prefix, after string, limit int) (keys []string, err error) {
	err = f.read(ctx, ns, func(t *table) error {
		keys = t.list(prefix, after, limit)
		return nil
	})
	return keys, err
}

// Set stores a copy of v under key and rewrites the file.
func (f *File) Set(ctx context.Context, ns, key string, v any) error {
	if err := CheckKey(key); err != nil {
		return err
	}
	c, n, err := prepare(f.lim.of(ns), v, true)
	if err != nil {
		return err
	}
	_, err = f.update(ctx, ns, key, setOp(key, c, n))
	return err
}

// Delete removes key, rewrites the file if it existed, and reports whether
// it existed.
func (f *File) Delete(ctx context.Context, ns, key string) (bool, error) {
	res, err := f.update(ctx, ns, key, deleteOp)
	had, _ := res.(bool)
	return had, err
}

// Incr adds delta to the number under key, rewrites the file and returns the
// sum.
func (f *File) Incr(ctx context.Context, ns, key string, delta any) (any, error) {
	o, err := incrOp(key, delta)
	if err != nil {
		return nil, err
	}
	return f.update(ctx, ns, key, o)
}

// CAS stores new under key if the current value equals old.
func (f *File) CAS(ctx context.Context, ns, key string, old, new any) (bool, error) {
	if err := CheckKey(key); err != nil {
		return false, err
	}
	old, c, n, err := prepareCAS(f.lim.of(ns), old, new, true)
	if err != nil {
		return false, err
	}
	res, err := f.update(ctx, ns, key, casOp(key, old, c, n))
	ok, _ := res.(bool)
	return ok, err
}

// save writes the whole table to the file atomically, as compact JSON with
// sorted keys. The caller holds the exclusive lock.
func (f *File) save() error {
	st, err := statFile(f.path)
	if err != nil {
		return fmt.Errorf("kv: %w", err)
	}
	perm := fs.FileMode(0o600)
	if st.exists {
		if err := writable(f.path, st); err != nil {
			return err
		}
		perm = st.permission
	}
	m := make(map[string]any, len(f.t.m))
	for k, e := range f.t.m {
		m[k] = e.v
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return fmt.Errorf("kv: encode %s: %w", f.path, err)
	}
	dir := filepath.Dir(f.path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(f.path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("kv: %w", err)
	}
	name := tmp.Name()
	err = f.write(tmp, buf.Bytes())
	if err == nil {
		err = tmp.Chmod(perm)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(name, f.path)
	}
	if err != nil {
		os.Remove(name)
		return fmt.Errorf("kv: write %s: %w", f.path, err)
	}
	// Other processes see the change by the generation even if the new
	// file's stamp equals one they read before.
	if err := f.bumpGen(); err != nil {
		return err
	}
	if f.stamp, err = statFile(f.path); err != nil {
		f.t = nil
		return fmt.Errorf("kv: %w", err)
	}
	// The new file is in place; a failure to sync the directory means the
	// rename may not survive a power loss. It is reported, and the next
	// operation reads what the file holds.
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("kv: sync directory %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		f.t = nil
		return fmt.Errorf("kv: sync directory %s: %w", dir, err)
	}
	return nil
}
