package kv

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

// JSON is how the persistent stores (File, Bolt, PostgreSQL) keep values:
// compact JSON, numbers read back as the value model's int64 or float64.

// EncodeValue encodes a canonical value (see bridge.Copy) as compact JSON,
// without HTML escaping. Bytes and invalid UTF-8 must have been refused
// before (see CheckJSON).
func EncodeValue(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// DecodeValue decodes what EncodeValue wrote into the value model, with its
// size as bridge.Copy counts it.
func DecodeValue(data []byte) (any, int64, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, 0, err
	}
	v, err := fromJSON(v, "$")
	if err != nil {
		return nil, 0, err
	}
	return bridge.Copy(v, bridge.ValueLimits{})
}

// CheckJSON refuses, with a bridge.Message, what JSON cannot hold exactly:
// bytes values and strings or map keys that are not valid UTF-8.
func CheckJSON(v any) error { return checkJSON(v, "$") }

func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// checkJSON refuses what JSON cannot hold exactly.
func checkJSON(v any, path string) error {
	switch v := v.(type) {
	case []byte:
		return bridge.Message(at(path, "bytes values cannot be stored in a persistent store; encode them as a string"))
	case string:
		if !utf8.ValidString(v) {
			return bridge.Message(at(path, "string is not valid UTF-8 and cannot be stored in a persistent store"))
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
				return bridge.Message(at(p, "map key is not valid UTF-8 and cannot be stored in a persistent store"))
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
