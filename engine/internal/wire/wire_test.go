package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/scriptrun/scriptrun/limits"
	"github.com/scriptrun/scriptrun/loc"
)

func roundTrip(t *testing.T, m Message) Message {
	t.Helper()
	var buf bytes.Buffer
	if err := NewWriter(&buf, 0).Write(m); err != nil {
		t.Fatalf("Write(%T): %v", m, err)
	}
	typ, payload, err := NewReader(&buf, 0).Next()
	if err != nil {
		t.Fatalf("Next: %v", err)
	}
	got, err := Decode(typ, payload)
	if err != nil {
		t.Fatalf("Decode(%T): %v", m, err)
	}
	return got
}

func TestRoundTrip(t *testing.T) {
	value := map[string]any{
		"null": nil, "t": true, "f": false, "int": int64(-1 << 60), "float": 1.5,
		"s": "héllo\x00", "b": []byte{0, 1, 2}, "list": []any{int64(1), "two", []any{}},
		"map": map[string]any{"nested": map[string]any{}},
	}
	msgs := []Message{
		&Hello{PID: 42, Layers: []string{"seccomp", "memory"}, Missing: []string{"landlock: kernel too old"}},
		&Start{Run: 3, Name: "a.js", Lang: "js", SHA: "abc", Source: "return 1", Input: value,
			Modules: []Module{{Name: "kv", Funcs: []Func{{Name: "get", Params: []Param{{Name: "key", Type: 4}, {Name: "d", Optional: true}}}}}},
			Budget:  limits.Default(), Seed: math.MaxUint64, Clock: true,
			Tenant: "acme", Labels: map[string]string{"plan": "pro", "": "empty key", "z": ""}},
		&Call{Capability: "kv.get", Args: []any{"k", value}, Steps: 7},
		&Clock{},
		&Reply{Value: value},
		&Reply{Err: &CallError{Kind: "denied", Capability: "kv.set", Rule: "r", Message: "no", Catchable: true}},
		&Log{Level: "info", Message: "hi"},
		&Stop{Run: 3, Kind: "limit", Limit: "timeout", Value: "2s"},
		&Result{Value: value, Steps: 1, Memory: 2, CPU: time.Millisecond, Heap: 1 << 40},
		&Result{Err: &ResultError{Kind: "runtime", Message: "boom", Pos: loc.Pos{File: "a.js", Line: 1, Col: 2},
			Stack: []loc.Frame{{Func: "f", Pos: loc.Pos{File: "a.js", Line: 1, Col: 2}}, {Func: "<main>", Pos: loc.Pos{File: "a.js", Line: MaxCount}},
				{Tail: true}, {Omitted: 3}, {Func: "g"}}, Cause: "panic: x"}},
		&Result{Err: &ResultError{Kind: "compile", Message: "m", Pos: loc.Pos{File: "a.lua"}}},
	}
	for _, m := range msgs {
		got := roundTrip(t, m)
		if diff := cmp.Diff(m, got); diff != "" {
			t.Errorf("%T round trip (-sent +got):\n%s", m, diff)
		}
	}
}

// TestStartLabels: labels cross as key/value pairs; an odd count or a key
// given twice is a broken frame.
func TestStartLabels(t *testing.T) {
	var buf bytes.Buffer
	if err := NewWriter(&buf, 0).Write(&Start{Name: "a.js", Lang: "js", Tenant: "t"}); err != nil {
		t.Fatal(err)
	}
	_, payload, err := NewReader(&buf, 0).Next()
	if err != nil {
		t.Fatal(err)
	}
	base := payload[:len(payload)-1] // without the empty pair list
	for name, tail := range map[string][]byte{
		"odd":       {1, 1, 'k'},
		"duplicate": {4, 1, 'k', 1, 'v', 1, 'k', 1, 'w'},
		"too long":  {0xff, 0xff, 0x03},
	} {
		p := append(append([]byte(nil), base...), tail...)
		if m, err := Decode(TStart, p); err == nil {
			t.Errorf("%s: Decode = %+v, want an error", name, m)
		}
	}
}

func frame(typ byte, payload []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(len(payload)+1))
	b = append(b, typ)
	return append(b, payload...)
}

func TestReaderRejects(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"oversized", binary.BigEndian.AppendUint32(nil, 1<<20), "over the limit"},
		{"empty frame", binary.BigEndian.AppendUint32(nil, 0), "empty frame"},
		{"truncated", append(binary.BigEndian.AppendUint32(nil, 100), 1, 2, 3), io.ErrUnexpectedEOF.Error()},
		{"header cut", []byte{0, 0}, io.ErrUnexpectedEOF.Error()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := NewReader(bytes.NewReader(tt.in), 1<<10).Next()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Next() error = %v, want one containing %q", err, tt.want)
			}
		})
	}
	if _, _, err := NewReader(bytes.NewReader(nil), 0).Next(); err != io.EOF {
		t.Fatalf("Next() on an empty stream = %v, want io.EOF", err)
	}
}

func TestDecodeRejects(t *testing.T) {
	nan := binary.LittleEndian.AppendUint64([]byte{0, vFloat}, math.Float64bits(math.NaN()))
	deep := bytes.Repeat([]byte{vList, 1}, MaxDepth+2)
	errHead := []byte{1, 0, 0, 0, 0, 0} // an error result: empty kind, limit, capability, rule, message
	farLine := binary.AppendUvarint(append(append([]byte{}, errHead...), 0), MaxCount+1)
	manyFrames := append(append(append([]byte{}, errHead...), 0, 0, 0), 0xff, 0xff, 0x03)
	tests := []struct {
		name    string
		typ     Type
		payload []byte
		want    string
	}{
		{"unknown type", 99, nil, "unknown frame type"},
		{"trailing bytes", TLog, []byte{0, 0, 9}, "trailing bytes"},
		{"unknown tag", TReply, []byte{0, 42}, "unknown value tag"},
		{"forged length", TReply, []byte{0, vList, 0xff, 0xff, 0xff, 0x0f}, "past the end"},
		{"duplicate key", TReply, []byte{0, vMap, 2, 1, 'a', vNull, 1, 'a', vNull}, "duplicate map key"},
		{"nan", TReply, nan, "non-finite"},
		{"too deep", TReply, append([]byte{0}, deep...), "nested deeper"},
		{"bad bool", TReply, []byte{7}, "bad bool"},
		{"short", TResult, []byte{0}, "ends early"},
		{"args not a list", TCall, []byte{1, 'x', vTrue, 0}, "not a list"},
		{"line out of range", TResult, farLine, "line 2147483648 over"},
		{"forged frame count", TResult, manyFrames, "past the end"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(tt.typ, tt.payload)
			var fe *FrameError
			if !errors.As(err, &fe) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Decode() error = %v, want a FrameError containing %q", err, tt.want)
			}
		})
	}
}

func TestWriterRefusesValuesOutsideTheModel(t *testing.T) {
	err := NewWriter(io.Discard, 0).Write(&Reply{Value: struct{}{}})
	if err == nil || !strings.Contains(err.Error(), "outside the value model") {
		t.Fatalf("Write() error = %v", err)
	}
	err = NewWriter(io.Discard, 0).Write(&Result{Err: &ResultError{Stack: []loc.Frame{{Pos: loc.Pos{Line: -1}}}}})
	if err == nil || !strings.Contains(err.Error(), "line -1 outside") {
		t.Fatalf("Write() of a negative line: error = %v", err)
	}
	err = NewWriter(io.Discard, 16).Write(&Log{Message: strings.Repeat("x", 100)})
	if err == nil || !strings.Contains(err.Error(), "over the limit") {
		t.Fatalf("Write() error = %v", err)
	}
}

// FuzzDecode feeds the parent's frame reader and decoder arbitrary bytes, as
// a hostile worker could: no panic, and no allocation beyond the frame limit.
func FuzzDecode(f *testing.F) {
	for _, m := range []Message{&Hello{PID: 1, Layers: []string{"x"}}, &Call{Capability: "kv.get", Args: []any{"k", map[string]any{"a": 1.5}}},
		&Log{Level: "info", Message: "m"}, &Start{Name: "a.js", Lang: "js", Tenant: "t", Labels: map[string]string{"k": "v"}},
		&Result{Value: []any{nil, true, []byte("b")}, Steps: 3},
		&Result{Err: &ResultError{Kind: "limit", Limit: "steps", Pos: loc.Pos{File: "a.js", Line: 1, Col: 1},
			Stack: []loc.Frame{{Func: "f", Pos: loc.Pos{File: "a.js", Line: 1, Col: 1}}, {Tail: true}, {Omitted: 2}}}}} {
		var buf bytes.Buffer
		_ = NewWriter(&buf, 0).Write(m)
		f.Add(buf.Bytes())
	}
	f.Add(frame(byte(TReply), []byte{0, vMap, 0xff, 0xff, 0xff, 0xff, 0x0f}))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReader(bytes.NewReader(data), 1<<16)
		for {
			typ, payload, err := r.Next()
			if err != nil {
				return
			}
			m, err := Decode(typ, payload)
			if err != nil {
				continue
			}
			// What decodes re-encodes and decodes to the same message.
			var buf bytes.Buffer
			if err := NewWriter(&buf, 0).Write(m); err != nil {
				t.Fatalf("re-encoding %T: %v", m, err)
			}
			first := bytes.Clone(buf.Bytes())
			typ2, payload2, err := NewReader(&buf, 0).Next()
			if err != nil {
				t.Fatal(err)
			}
			m2, err := Decode(typ2, payload2)
			if err != nil {
				t.Fatalf("decoding re-encoded %T: %v", m, err)
			}
			// Compared as encodings: go-cmp takes twice as long per level
			// of nesting of a value (a second at 20 levels).
			var again bytes.Buffer
			if err := NewWriter(&again, 0).Write(m2); err != nil {
				t.Fatalf("re-encoding the decoded %T: %v", m2, err)
			}
			if !bytes.Equal(first, again.Bytes()) {
				t.Fatalf("re-encoded %T differs:\n%q\n%q", m, first, again.Bytes())
			}
		}
	})
}
