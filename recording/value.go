package recording

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/scriptrun/scriptrun/bridge"
)

// Value is one value of the bridge value model as a recording holds it.
// It is JSON as the model is, with three exceptions kept apart by a "$"
// key: bytes are {"$bytes": "base64"}, a map that has a key starting with
// "$" is wrapped as {"$map": {...}}, and an argument the recorder redacted
// (a bridge.Param marked Secret) is {"$redacted": true}.
//
// Numbers need no tag: the model holds a whole number within ±2^53 as
// int64 and any other finite number as float64 (bridge.Num), so the JSON
// number, printed in its shortest exact form, gives the same Go value
// back.
type Value struct {
	V        any  // the value, in the model (canonical: see bridge.Copy)
	Redacted bool // a secret argument: present, value not recorded

	raw json.RawMessage // read but not decoded yet (see Recording.decode)
}

// redacted is the Value of a secret argument.
var redacted = Value{Redacted: true}

// MarshalJSON writes v in the recording's form.
func (v Value) MarshalJSON() ([]byte, error) {
	if v.Redacted {
		return []byte(`{"$redacted":true}`), nil
	}
	var b bytes.Buffer
	if err := encodeValue(&b, v.V, 0); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// UnmarshalJSON keeps the bytes; Read decodes them with their place in the
// file, so an error can say where it is.
func (v *Value) UnmarshalJSON(data []byte) error {
	v.raw = append(json.RawMessage(nil), data...)
	return nil
}

// maxDepth bounds the nesting of a recorded value: the model's own bound
// (bridge.DefaultMaxDepth) and one level for a tag.
const maxDepth = bridge.DefaultMaxDepth + 1

func encodeValue(b *bytes.Buffer, v any, depth int) error {
	if depth > maxDepth {
		return fmt.Errorf("value nested deeper than %d levels", maxDepth)
	}
	switch v := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(v))
	case int64:
		b.WriteString(strconv.FormatInt(v, 10))
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("number %v is outside the value model", v)
		}
		b.WriteString(strconv.FormatFloat(v, 'g', -1, 64))
	case string:
		writeString(b, v)
	case []byte:
		b.WriteString(`{"$bytes":"`)
		b.WriteString(base64.StdEncoding.EncodeToString(v))
		b.WriteString(`"}`)
	case []any:
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := encodeValue(b, e, depth+1); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case map[string]any:
		keys := make([]string, 0, len(v))
		tagged := false
		for k := range v {
			keys = append(keys, k)
			tagged = tagged || strings.HasPrefix(k, "$")
		}
		sort.Strings(keys)
		if tagged {
			b.WriteString(`{"$map":`)
		}
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			// A key is a JSON string whatever its bytes (not valid
			// UTF-8: replaced, as encoding/json does).
			enc, _ := json.Marshal(k)
			b.Write(enc)
			b.WriteByte(':')
			if err := encodeValue(b, v[k], depth+1); err != nil {
				return err
			}
		}
		b.WriteByte('}')
		if tagged {
			b.WriteByte('}')
		}
	default:
		return fmt.Errorf("%T is outside the value model", v)
	}
	return nil
}

// writeString writes s as a JSON string. The model does not require valid
// UTF-8 of script strings; encoding/json would replace bad bytes with
// U+FFFD, so a string that is not valid UTF-8 is written as {"$string":
// base64} instead, to come back byte for byte.
func writeString(b *bytes.Buffer, s string) {
	if !utf8.ValidString(s) {
		b.WriteString(`{"$string":"`)
		b.WriteString(base64.StdEncoding.EncodeToString([]byte(s)))
		b.WriteString(`"}`)
		return
	}
	enc, _ := json.Marshal(s) // a string always encodes
	b.Write(enc)
}

// decodeValue decodes a recorded value; path names it in errors.
func decodeValue(raw json.RawMessage, path string) (Value, error) {
	if len(raw) == 0 {
		return Value{}, nil
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var x any
	if err := d.Decode(&x); err != nil {
		return Value{}, &pathError{path, err.Error()}
	}
	if m, ok := x.(map[string]any); ok && len(m) == 1 && m["$redacted"] == true {
		return redacted, nil
	}
	v, err := fromJSON(x, path, 0)
	if err != nil {
		return Value{}, err
	}
	return Value{V: v}, nil
}

// fromJSON turns decoded JSON (numbers as json.Number) into the model.
func fromJSON(x any, path string, depth int) (any, error) {
	if depth > maxDepth {
		return nil, &pathError{path, fmt.Sprintf("value nested deeper than %d levels", maxDepth)}
	}
	switch x := x.(type) {
	case nil, bool, string:
		return x, nil
	case json.Number:
		if i, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			if v, ok := bridge.Num(float64(i)); ok && v == any(i) {
				return i, nil
			}
			return nil, &pathError{path, fmt.Sprintf("integer %s is outside the value model (±2^53)", x)}
		}
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil {
			return nil, &pathError{path, fmt.Sprintf("number %s: %v", x, err)}
		}
		v, ok := bridge.Num(f)
		if !ok {
			return nil, &pathError{path, fmt.Sprintf("number %s is outside the value model", x)}
		}
		return v, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			v, err := fromJSON(e, path+"["+strconv.Itoa(i)+"]", depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	case map[string]any:
		if len(x) == 1 {
			for k, e := range x {
				switch k {
				case "$bytes", "$string":
					s, ok := e.(string)
					b, err := base64.StdEncoding.DecodeString(s)
					if !ok || err != nil {
						return nil, &pathError{path, k + " wants a base64 string"}
					}
					if k == "$string" {
						return string(b), nil
					}
					return b, nil
				case "$map":
					m, ok := e.(map[string]any)
					if !ok {
						return nil, &pathError{path, "$map wants an object"}
					}
					return mapFromJSON(m, path, depth)
				case "$redacted":
					return nil, &pathError{path, "a redacted value is only recorded as a whole argument"}
				}
			}
		}
		for k := range x {
			if strings.HasPrefix(k, "$") {
				return nil, &pathError{path, fmt.Sprintf("key %q: a map with keys starting with $ is recorded as {\"$map\": ...}", k)}
			}
		}
		return mapFromJSON(x, path, depth)
	}
	return nil, &pathError{path, fmt.Sprintf("unexpected %T", x)}
}

func mapFromJSON(m map[string]any, path string, depth int) (any, error) {
	out := make(map[string]any, len(m))
	for k, e := range m {
		v, err := fromJSON(e, path+"."+k, depth+1)
		if err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, nil
}

// toValue copies a model value the recorder was handed (which it may not
// keep: observers' events are reused).
func toValue(v any) Value { return Value{V: deepCopy(v)} }

func deepCopy(v any) any {
	switch v := v.(type) {
	case []byte:
		return bytes.Clone(v)
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = deepCopy(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = deepCopy(e)
		}
		return out
	}
	return v
}

// format renders a value for a divergence report, cut at 200 bytes.
func format(v Value) string {
	if v.Redacted {
		return "(redacted)"
	}
	b, err := v.MarshalJSON()
	if err != nil {
		return fmt.Sprintf("%v", v.V)
	}
	if len(b) > 200 {
		return string(b[:200]) + "..."
	}
	return string(b)
}

// equal reports whether two model values are the same value.
func equal(a, b any) bool {
	switch a := a.(type) {
	case []byte:
		bb, ok := b.([]byte)
		return ok && bytes.Equal(a, bb)
	case []any:
		bl, ok := b.([]any)
		if !ok || len(a) != len(bl) {
			return false
		}
		for i := range a {
			if !equal(a[i], bl[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		bm, ok := b.(map[string]any)
		if !ok || len(a) != len(bm) {
			return false
		}
		for k, e := range a {
			be, ok := bm[k]
			if !ok || !equal(e, be) {
				return false
			}
		}
		return true
	}
	return a == b
}

// pathError is a value that cannot be read, at path.
type pathError struct{ path, msg string }

func (e *pathError) Error() string { return e.path + ": " + e.msg }
