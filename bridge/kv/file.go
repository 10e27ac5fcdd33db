package kv

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/scriptrun/scriptrun/bridge"
	"github.com/scriptrun/scriptrun/loc"
)

// File is a Store kept in memory and backed by a JSON file: one object
// mapping each key to its value. It is safe for concurrent use within one
// process; two processes must not open the same file (the last writer wins).
//
// Every Set and Delete rewrites the whole file atomically: the new content
// goes to a temporary file in the same directory, which is synced and then
// renamed over the old one, and the directory is synced. If any step fails
// the change is undone in memory, the old file is left as it was, the
// temporary file is removed, and the error is returned.
//
// A file holds only what JSON can say exactly: bytes values and strings that
// are not valid UTF-8 are refused (with a bridge.Message) instead of being
// changed on the way to disk. Encode bytes as hex or base64 strings.
type File struct {
	mu   sync.RWMutex
	path string
	perm fs.FileMode
	t    table

	// write writes the encoded file to the temporary file; tests replace
	// it to make a write fail.
	write func(w io.Writer, data []byte) error
}

var _ Store = (*File)(nil)

// OpenFile reads the store at path. A missing or empty file is an empty
// store (the file is created by the first Set); a file that is not a JSON
// object of valid keys is an error naming the file and the line and column
// of the problem. lim is optional as for NewMemory; a file that is already
// over the limits opens, but Set refuses to grow it.
//
// A new file is created with mode 0600; an existing file keeps its mode. If
// path is a symbolic link, the file it points to is the one rewritten.
func OpenFile(path string, lim ...Limits) (*File, error) {
	if p, err := filepath.EvalSymlinks(path); err == nil {
		path = p
	}
	f := &File{path: path, perm: 0o600, t: newTable(pickLimits(lim)), write: writeAll}
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return f, nil
	case err != nil:
		return nil, fmt.Errorf("kv: %w", err)
	}
	if st, err := os.Stat(path); err == nil {
		f.perm = st.Mode().Perm()
	}
	m, err := decodeFile(path, data)
	if err != nil {
		return nil, fmt.Errorf("kv: %w", err)
	}
	for _, k := range bridge.SortedKeys(m) {
		if err := CheckKey(k); err != nil {
			return nil, fmt.Errorf("kv: %s: key %q: %v", path, truncate(k), err)
		}
		v, n, err := bridge.Copy(m[k], bridge.ValueLimits{})
		if err != nil {
			return nil, fmt.Errorf("kv: %s: key %q: %v", path, truncate(k), err)
		}
		e := entry{v: v, size: bridge.SizeString(len(k)) + n}
		f.t.m[k] = e
		f.t.total += e.size
	}
	return f, nil
}

func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

func writeAll(w io.Writer, data []byte) error {
	_, err := w.Write(data)
	return err
}

// Path returns the file the store writes.
func (f *File) Path() string { return f.path }

// Get returns a copy of the value under key.
func (f *File) Get(_ context.Context, key string) (any, bool, error) {
	if err := CheckKey(key); err != nil {
		return nil, false, err
	}
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.t.get(key)
}

// Set stores a copy of v under key and rewrites the file.
func (f *File) Set(_ context.Context, key string, v any) error {
	if err := CheckKey(key); err != nil {
		return err
	}
	c, n, err := f.t.prepare(v)
	if err != nil {
		return err
	}
	if err := checkJSON(c, "$"); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	prev, had, err := f.t.put(key, c, n)
	if err != nil {
		return err
	}
	if err := f.save(); err != nil {
		if !isSyncDir(err) {
			f.t.undo(key, prev, had)
		}
		return err
	}
	return nil
}

// Delete removes key, rewrites the file if it existed, and reports whether
// it existed.
func (f *File) Delete(_ context.Context, key string) (bool, error) {
	if err := CheckKey(key); err != nil {
		return false, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	prev, had := f.t.del(key)
	if !had {
		return false, nil
	}
	if err := f.save(); err != nil {
		if isSyncDir(err) {
			return true, err
		}
		f.t.undo(key, prev, had)
		return false, err
	}
	return true, nil
}

// List returns at most limit keys starting with prefix, sorted bytewise. A
// negative limit means no limit.
func (f *File) List(_ context.Context, prefix string, limit int) ([]string, error) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.t.list(prefix, limit), nil
}

// checkJSON refuses what JSON cannot hold exactly.
func checkJSON(v any, path string) error {
	switch v := v.(type) {
	case []byte:
		return bridge.Message(at(path, "bytes values cannot be stored in a file-backed store; encode them as a string"))
	case string:
		if !utf8.ValidString(v) {
			return bridge.Message(at(path, "string is not valid UTF-8 and cannot be stored in a file-backed store"))
		}
	case []any:
		for i, e := range v {
			if err := checkJSON(e, path+"["+strconv.Itoa(i)+"]"); err != nil {
				return err
			}
		}
	case map[string]any:
		for _, k := range bridge.SortedKeys(v) {
			p := bridge.PathKey(path, k)
			if !utf8.ValidString(k) {
				return bridge.Message(at(p, "map key is not valid UTF-8 and cannot be stored in a file-backed store"))
			}
			if err := checkJSON(v[k], p); err != nil {
				return err
			}
		}
	}
	return nil
}

func at(path, msg string) string {
	if path == "$" {
		return "value: " + msg
	}
	return "value at " + path + ": " + msg
}

// save writes the whole table to the file atomically. The caller holds the
// write lock.
func (f *File) save() (err error) {
	m := make(map[string]any, len(f.t.m))
	for k, e := range f.t.m {
		m[k] = e.v
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return fmt.Errorf("kv: encode %s: %w", f.path, err)
	}
	dir := filepath.Dir(f.path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(f.path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("kv: %w", err)
	}
	name := tmp.Name()
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(name)
			err = fmt.Errorf("kv: write %s: %w", f.path, err)
		}
	}()
	if err = f.write(tmp, buf.Bytes()); err != nil {
		return err
	}
	if err = tmp.Chmod(f.perm); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(name, f.path); err != nil {
		return err
	}
	// The new file is in place; a failure to sync the directory only means
	// the rename may not survive a power loss, so it is reported but the
	// change is kept (undoing it would make memory disagree with the file).
	if d, derr := os.Open(dir); derr == nil {
		derr = d.Sync()
		d.Close()
		if derr != nil {
			return &syncDirError{derr}
		}
	}
	return nil
}

// syncDirError is returned when the data is written but the directory sync
// failed. Set and Delete keep the change in that case.
type syncDirError struct{ err error }

func (e *syncDirError) Error() string { return "kv: sync directory: " + e.err.Error() }
func (e *syncDirError) Unwrap() error { return e.err }

func isSyncDir(err error) bool {
	var sde *syncDirError
	return errors.As(err, &sde)
}

// decodeFile parses the file's content into a map in the value model.
// Errors start with the path: "path:line:col: ..." or "path:$.key: ...".
func decodeFile(path string, data []byte) (map[string]any, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return map[string]any{}, nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var top any
	if err := dec.Decode(&top); err != nil {
		off := dec.InputOffset()
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			off = se.Offset - 1 // Offset is just after the offending byte
		case errors.As(err, &te):
			off = te.Offset
		case errors.Is(err, io.ErrUnexpectedEOF):
			off = int64(len(data))
			err = errors.New("unexpected end of JSON input")
		}
		return nil, posError(path, data, off, err.Error())
	}
	m, ok := top.(map[string]any)
	if !ok {
		return nil, posError(path, data, firstNonSpace(data), "want a JSON object mapping keys to values")
	}
	end := dec.InputOffset()
	var extra any
	if err := dec.Decode(&extra); err != io.EOF {
		return nil, posError(path, data, end+firstNonSpace(data[end:]), "unexpected data after the JSON object")
	}
	out, err := fromJSON(m, "$")
	if err != nil {
		return nil, fmt.Errorf("%s:%w", path, err)
	}
	return out.(map[string]any), nil
}

func firstNonSpace(data []byte) int64 {
	return int64(len(data) - len(bytes.TrimLeft(data, " \t\r\n")))
}

// posError renders "path:line:col: msg" for a byte offset (col counts
// bytes, from 1).
func posError(path string, data []byte, off int64, msg string) error {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	if off < 0 {
		off = 0
	}
	line, col := 1, 1
	for _, b := range data[:off] {
		if b == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return fmt.Errorf("%s: %s", loc.Pos{File: path, Line: line, Col: col}, msg)
}

// fromJSON converts decoded JSON (with json.Number) into the value model.
func fromJSON(v any, path string) (any, error) {
	switch v := v.(type) {
	case json.Number:
		s := string(v)
		if i, err := strconv.ParseInt(s, 10, 64); err == nil && i >= -bridge.MaxSafeInt && i <= bridge.MaxSafeInt {
			return i, nil
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) || math.IsInf(f, 0) {
			return nil, fmt.Errorf(" %s: number %s is out of range", path, truncate(s))
		}
		n, _ := bridge.Num(f)
		return n, nil
	case []any:
		for i, e := range v {
			x, err := fromJSON(e, path+"["+strconv.Itoa(i)+"]")
			if err != nil {
				return nil, err
			}
			v[i] = x
		}
		return v, nil
	case map[string]any:
		for k, e := range v {
			x, err := fromJSON(e, bridge.PathKey(path, k))
			if err != nil {
				return nil, err
			}
			v[k] = x
		}
		return v, nil
	}
	return v, nil
}
