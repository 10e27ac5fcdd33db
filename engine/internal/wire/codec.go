package wire

import (
	"encoding/binary"
	"math"
	"slices"

	"github.com/scriptrun/scriptrun/loc"
)

// MaxDepth bounds the nesting of lists and maps in a value. The bridge
// bounds values to 64 levels (bridge.DefaultMaxDepth); anything deeper on
// the wire is a broken peer.
const MaxDepth = 128

// MaxCount bounds a line, a column or a count of frames in a position or a
// stack trace (the source limit keeps real ones far below it).
const MaxCount = 1<<31 - 1

// Value tags.
const (
	vNull   = 0
	vFalse  = 1
	vTrue   = 2
	vInt    = 3
	vFloat  = 4
	vString = 5
	vBytes  = 6
	vList   = 7
	vMap    = 8
)

// Encoder appends the binary encoding of fields and values to a buffer.
type Encoder struct {
	b   []byte
	err error
}

func (e *Encoder) uvarint(v uint64) { e.b = binary.AppendUvarint(e.b, v) }
func (e *Encoder) varint(v int64)   { e.b = binary.AppendVarint(e.b, v) }
func (e *Encoder) str(s string)     { e.uvarint(uint64(len(s))); e.b = append(e.b, s...) }
func (e *Encoder) boolean(v bool) {
	if v {
		e.b = append(e.b, 1)
	} else {
		e.b = append(e.b, 0)
	}
}
func (e *Encoder) strs(ss []string) {
	e.uvarint(uint64(len(ss)))
	for _, s := range ss {
		e.str(s)
	}
}

// pos encodes a position as its fields: file, line, column.
func (e *Encoder) pos(p loc.Pos) {
	e.str(p.File)
	e.count("line", p.Line)
	e.count("column", p.Col)
}

// frames encodes a script stack trace, frame by frame.
func (e *Encoder) frames(fs []loc.Frame) {
	e.uvarint(uint64(len(fs)))
	for _, f := range fs {
		e.str(f.Func)
		e.pos(f.Pos)
		e.boolean(f.Tail)
		e.count("omitted frames", f.Omitted)
	}
}

// count encodes a non-negative int of at most MaxCount.
func (e *Encoder) count(what string, n int) {
	if (n < 0 || n > MaxCount) && e.err == nil {
		e.err = frameErr("%s %d outside 0..%d", what, n, MaxCount)
	}
	e.uvarint(uint64(n))
}

// value encodes v, which must be in the bridge value model.
func (e *Encoder) value(v any, depth int) {
	if e.err != nil {
		return
	}
	if depth > MaxDepth {
		e.err = frameErr("value nested deeper than %d", MaxDepth)
		return
	}
	switch v := v.(type) {
	case nil:
		e.b = append(e.b, vNull)
	case bool:
		if v {
			e.b = append(e.b, vTrue)
		} else {
			e.b = append(e.b, vFalse)
		}
	case int64:
		e.b = append(e.b, vInt)
		e.varint(v)
	case float64:
		e.b = append(e.b, vFloat)
		e.b = binary.LittleEndian.AppendUint64(e.b, math.Float64bits(v))
	case string:
		e.b = append(e.b, vString)
		e.str(v)
	case []byte:
		e.b = append(e.b, vBytes)
		e.uvarint(uint64(len(v)))
		e.b = append(e.b, v...)
	case []any:
		e.b = append(e.b, vList)
		e.uvarint(uint64(len(v)))
		for _, x := range v {
			e.value(x, depth+1)
		}
	case map[string]any:
		e.b = append(e.b, vMap)
		e.uvarint(uint64(len(v)))
		// Sorted keys: the same value always encodes the same way.
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			e.str(k)
			e.value(v[k], depth+1)
		}
	default:
		e.err = frameErr("value of Go type %T is outside the value model", v)
	}
}

// Decoder reads fields and values from a payload. The first error sticks;
// later reads return zero values.
type Decoder struct {
	b   []byte
	err error
}

func (d *Decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = frameErr(format, args...)
	}
}

func (d *Decoder) byte1() byte {
	if d.err != nil {
		return 0
	}
	if len(d.b) == 0 {
		d.fail("payload ends early")
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *Decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail("bad unsigned varint")
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *Decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail("bad varint")
		return 0
	}
	d.b = d.b[n:]
	return v
}

// length reads a count of items, each taking at least min bytes, and checks
// it against what is left, so a forged count cannot make us allocate.
func (d *Decoder) length(min int) int {
	n := d.uvarint()
	if d.err != nil {
		return 0
	}
	if n > uint64(len(d.b)/min) {
		d.fail("length %d past the end of the payload", n)
		return 0
	}
	return int(n)
}

func (d *Decoder) raw() []byte {
	n := d.length(1)
	if d.err != nil {
		return nil
	}
	s := d.b[:n:n]
	d.b = d.b[n:]
	return s
}

func (d *Decoder) str() string { return string(d.raw()) }

func (d *Decoder) boolean() bool {
	switch d.byte1() {
	case 0:
		return false
	case 1:
		return true
	}
	d.fail("bad bool")
	return false
}

func (d *Decoder) strs() []string {
	n := d.length(1)
	if n == 0 {
		return nil
	}
	ss := make([]string, n)
	for i := range ss {
		ss[i] = d.str()
	}
	return ss
}

func (d *Decoder) pos() loc.Pos {
	return loc.Pos{File: d.str(), Line: d.count("line"), Col: d.count("column")}
}

func (d *Decoder) frames() []loc.Frame {
	n := d.length(6) // the smallest frame: empty name and file, one byte for each number and the bool
	if n == 0 {
		return nil
	}
	fs := make([]loc.Frame, n)
	for i := range fs {
		fs[i] = loc.Frame{Func: d.str(), Pos: d.pos(), Tail: d.boolean(), Omitted: d.count("omitted frames")}
	}
	return fs
}

func (d *Decoder) count(what string) int {
	n := d.uvarint()
	if n > MaxCount {
		d.fail("%s %d over %d", what, n, MaxCount)
		return 0
	}
	return int(n)
}

func (d *Decoder) value(depth int) any {
	if d.err != nil {
		return nil
	}
	if depth > MaxDepth {
		d.fail("value nested deeper than %d", MaxDepth)
		return nil
	}
	switch tag := d.byte1(); tag {
	case vNull:
		return nil
	case vFalse:
		return false
	case vTrue:
		return true
	case vInt:
		return d.varint()
	case vFloat:
		if len(d.b) < 8 {
			d.fail("payload ends early")
			return nil
		}
		f := math.Float64frombits(binary.LittleEndian.Uint64(d.b))
		d.b = d.b[8:]
		if math.IsNaN(f) || math.IsInf(f, 0) {
			d.fail("non-finite number")
			return nil
		}
		return f
	case vString:
		return d.str()
	case vBytes:
		return append([]byte{}, d.raw()...)
	case vList:
		n := d.length(1)
		l := make([]any, n)
		for i := range l {
			l[i] = d.value(depth + 1)
		}
		if d.err != nil {
			return nil
		}
		return l
	case vMap:
		n := d.length(2)
		m := make(map[string]any, n)
		for range n {
			k := d.str()
			if _, dup := m[k]; dup && d.err == nil {
				d.fail("duplicate map key %q", k)
			}
			m[k] = d.value(depth + 1)
		}
		if d.err != nil {
			return nil
		}
		return m
	default:
		if d.err == nil {
			d.fail("unknown value tag %d", tag)
		}
	}
	return nil
}

// end reports trailing bytes as an error and returns the first error.
func (d *Decoder) end() error {
	if d.err == nil && len(d.b) != 0 {
		d.fail("%d trailing bytes", len(d.b))
	}
	return d.err
}
