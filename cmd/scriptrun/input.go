package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/scriptrun/scriptrun/internal/runio"
)

// maxFileBytes bounds what the CLI reads from a script or input file. The
// engine's own budgets (source, input) are much smaller by default; this
// only keeps a huge or endless file (/dev/zero) from filling memory.
const maxFileBytes = 64 << 20

// readFile reads at most maxFileBytes from path ("-": r).
func readFile(path string, r io.Reader) ([]byte, error) {
	data, err := readBounded(path, r, maxFileBytes)
	var tl *tooLargeError
	if errors.As(err, &tl) {
		return nil, fmt.Errorf("%s: larger than %d MiB", displayName(path), maxFileBytes>>20)
	}
	return data, err
}

// tooLargeError says a file holds more than the bytes a reader allowed.
type tooLargeError struct {
	name string
	size int64 // the file's size, or -1 when unknown (a pipe)
	max  int64
}

func (e *tooLargeError) Error() string {
	if e.size >= 0 {
		return fmt.Sprintf("%s is %d bytes, over the %d allowed", e.name, e.size, e.max)
	}
	return fmt.Sprintf("%s holds more than the %d bytes allowed", e.name, e.max)
}

// readBounded reads path ("-": r) when it holds at most max bytes, and
// returns a *tooLargeError otherwise without reading more than max+1
// bytes: a regular file's size is checked before it is read, and anything
// else (a pipe, /dev/zero) is read through a bounded reader.
func readBounded(path string, r io.Reader, max int64) ([]byte, error) {
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() && fi.Size() > max {
			return nil, &tooLargeError{name: path, size: fi.Size(), max: max}
		}
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, &tooLargeError{name: displayName(path), size: -1, max: max}
	}
	return data, nil
}

func displayName(path string) string {
	if path == "-" {
		return "<stdin>"
	}
	return path
}

// decodeInput decodes one JSON value from data into the bridge value model
// (runio.Decode). Errors name the file and the line:col of the problem.
func decodeInput(name string, data []byte) (any, error) { return runio.Decode(name, data) }
