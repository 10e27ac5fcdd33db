package runio

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/scriptrun/scriptrun/bridge"
	"github.com/scriptrun/scriptrun/loc"
)

// Decode decodes one JSON value from data into the bridge value model:
// int64 for whole numbers within ±2^53, float64 for other numbers. Errors
// name name and the line:col of the problem.
func Decode(name string, data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.Is(err, io.EOF):
			return nil, fmt.Errorf("%s: no JSON value (the input is empty)", name)
		case errors.Is(err, io.ErrUnexpectedEOF):
			return nil, fmt.Errorf("%s: unexpected end of JSON input", PosAt(name, data, int64(len(data))))
		case errors.As(err, &se):
			// Offset counts the bytes read, including the offending one.
			return nil, fmt.Errorf("%s: %s", PosAt(name, data, se.Offset-1), se.Error())
		case errors.As(err, &te):
			return nil, fmt.Errorf("%s: %s", PosAt(name, data, te.Offset-1), te.Error())
		}
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	off := dec.InputOffset()
	if rest := bytes.TrimLeft(data[off:], " \t\r\n"); len(rest) > 0 {
		at := int64(len(data) - len(rest))
		return nil, fmt.Errorf("%s: unexpected data after the JSON value", PosAt(name, data, at))
	}
	out, err := toModel(v, func() string { return "$" })
	if err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	return out, nil
}

// PosAt returns the position of byte offset off in the file name holding
// data; the column counts characters (UTF-8 sequences), not bytes.
func PosAt(name string, data []byte, off int64) loc.Pos {
	if off < 0 {
		off = 0
	}
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	before := data[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	start := bytes.LastIndexByte(before, '\n') + 1
	col := utf8.RuneCount(before[start:]) + 1
	return loc.Pos{File: name, Line: line, Col: col}
}

// toModel converts a decoded JSON value (numbers as json.Number) into the
// bridge value model: int64 for whole numbers within ±2^53, float64
// otherwise. path is built only for an error. encoding/json has already bounded the nesting (10000 levels);
// the engine rejects anything deeper than its own limit with a clear error.
func toModel(v any, path func() string) (any, error) {
	switch v := v.(type) {
	case json.Number:
		if i, err := strconv.ParseInt(string(v), 10, 64); err == nil && i >= -bridge.MaxSafeInt && i <= bridge.MaxSafeInt {
			return i, nil
		}
		f, err := strconv.ParseFloat(string(v), 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return nil, fmt.Errorf("at %s: bad number %s", path(), v)
		}
		if math.IsInf(f, 0) {
			return nil, fmt.Errorf("at %s: number %s is out of range", path(), v)
		}
		n, ok := bridge.Num(f)
		if !ok {
			return nil, fmt.Errorf("at %s: number %s is out of range", path(), v)
		}
		return n, nil
	case []any:
		for i, e := range v {
			x, err := toModel(e, func() string { return path() + "[" + strconv.Itoa(i) + "]" })
			if err != nil {
				return nil, err
			}
			v[i] = x
		}
		return v, nil
	case map[string]any:
		for _, k := range bridge.SortedKeys(v) {
			x, err := toModel(v[k], func() string { return bridge.PathKey(path(), k) })
			if err != nil {
				return nil, err
			}
			v[k] = x
		}
		return v, nil
	}
	return v, nil // nil, bool, string
}
