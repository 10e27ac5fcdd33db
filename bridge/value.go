package bridge

import (
	"fmt"
	"math"
	"sort"
	"strconv"
)

// The value model. Every value that crosses between a script and the host is
// one of these Go types, always a copy:
//
//	nil             null
//	bool            boolean
//	int64           number that is a whole number within ±2^53
//	float64         any other finite number
//	string          string (from scripts always valid UTF-8: the backends refuse
//	                Lua bytes that are not, and JS lone surrogates)
//	[]byte          bytes (only where a module declares them)
//	[]any           list
//	map[string]any  map with string keys
//
// NaN and infinities are refused: they have no JSON form.

// MaxSafeInt is the largest integer a float64 holds exactly (2^53).
const MaxSafeInt = 1 << 53

// ValueLimits bound a copy.
type ValueLimits struct {
	MaxDepth int   // nesting of lists and maps; 0 means DefaultMaxDepth
	MaxBytes int64 // size as Size counts it; 0 means no size limit beyond depth
}

// DefaultMaxDepth is the nesting depth allowed when ValueLimits leaves it 0.
const DefaultMaxDepth = 64

// ValueError reports a value outside the model or its limits. Path locates it
// inside the value ("$.items[3].name"). TooLarge is set when the size limit
// was the problem.
type ValueError struct {
	Path     string
	Msg      string
	TooLarge bool
}

func (e *ValueError) Error() string {
	if e.Path == "" || e.Path == "$" {
		return e.Msg
	}
	return "at " + e.Path + ": " + e.Msg
}

// Counter tracks depth and size while a backend copies a VM value into the
// model, so a copy stops as soon as it goes over its limits instead of after
// allocating everything.
type Counter struct {
	lim  ValueLimits
	size int64
}

// NewCounter returns a counter for one copy.
func NewCounter(lim ValueLimits) *Counter {
	if lim.MaxDepth <= 0 {
		lim.MaxDepth = DefaultMaxDepth
	}
	return &Counter{lim: lim}
}

// Depth checks that a list or map at depth d (the top value is depth 1) is allowed.
func (c *Counter) Depth(d int, path func() string) error {
	if d > c.lim.MaxDepth {
		return &ValueError{Path: path(), Msg: fmt.Sprintf("nested deeper than %d levels", c.lim.MaxDepth)}
	}
	return nil
}

// Add counts n bytes and fails when the total goes over the limit.
func (c *Counter) Add(n int64, path func() string) error {
	c.size += n
	if c.lim.MaxBytes > 0 && c.size > c.lim.MaxBytes {
		return &ValueError{Path: path(), Msg: fmt.Sprintf("larger than the limit of %d bytes", c.lim.MaxBytes), TooLarge: true}
	}
	return nil
}

// Size returns the bytes counted so far.
func (c *Counter) Size() int64 { return c.size }

// Scalar sizes, shared by Size and the backends' copies so both count alike.
const (
	SizeNull   = 4
	SizeBool   = 5
	SizeNumber = 8
)

// SizeString is what a string of n bytes counts (its JSON quotes included).
func SizeString(n int) int64 { return int64(n) + 2 }

// Num normalizes a float64 into the model: whole numbers within ±2^53
// become int64, other finite numbers stay float64. ok is false for NaN and
// infinities.
func Num(f float64) (v any, ok bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, false
	}
	if f == math.Trunc(f) && math.Abs(f) <= MaxSafeInt {
		if f == 0 && math.Signbit(f) {
			return int64(0), true
		}
		return int64(f), true
	}
	return f, true
}

// Copy validates that v is in the value model (accepting also the common Go
// forms a host function may return: sized ints, float32, []string,
// map[string]string) and returns a deep copy in canonical form, with its size.
func Copy(v any, lim ValueLimits) (any, int64, error) {
	c := NewCounter(lim)
	out, err := c.copy(v, 0, pathRoot)
	if err != nil {
		return nil, 0, err
	}
	return out, c.size, nil
}

// Size returns the size of a canonical value as Copy counts it: roughly its
// JSON length.
func Size(v any) int64 {
	switch v := v.(type) {
	case nil:
		return SizeNull
	case bool:
		return SizeBool
	case int64, float64:
		return SizeNumber
	case string:
		return SizeString(len(v))
	case []byte:
		return SizeString(len(v))
	case []any:
		n := int64(2)
		for _, e := range v {
			n += Size(e) + 1
		}
		return n
	case map[string]any:
		n := int64(2)
		for k, e := range v {
			n += SizeString(len(k)) + 1 + Size(e) + 1
		}
		return n
	}
	return 0
}

// Path locates a value inside a value being copied ("$.items[3].name").
// Backends build one step per level as they walk; it is only rendered
// when an error needs it. The nil *Path is the root.
type Path struct {
	parent *Path
	key    string
	index  int
}

// Index returns the path of item i of the list at p.
func (p *Path) Index(i int) *Path { return &Path{parent: p, index: i} }

// Key returns the path of key k of the map at p.
func (p *Path) Key(k string) *Path { return &Path{parent: p, key: k, index: -1} }

func (p *Path) String() string {
	if p == nil {
		return "$"
	}
	if p.index >= 0 {
		return p.parent.String() + "[" + strconv.Itoa(p.index) + "]"
	}
	return PathKey(p.parent.String(), p.key)
}

type pathFn func() string

func pathRoot() string { return "$" }

func pathIndex(parent pathFn, i int) pathFn {
	return func() string { return parent() + "[" + strconv.Itoa(i) + "]" }
}

func pathKey(parent pathFn, k string) pathFn {
	return func() string { return PathKey(parent(), k) }
}

// PathKey appends map key k to a path: $.name, or $["odd key"].
func PathKey(parent, k string) string {
	simple := k != ""
	for i, r := range k {
		if !(r == '_' || r == '$' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			simple = false
			break
		}
	}
	if simple {
		return parent + "." + k
	}
	if len(k) > 40 {
		k = k[:40] + "..."
	}
	return parent + "[" + strconv.Quote(k) + "]"
}

func (c *Counter) copy(v any, depth int, path pathFn) (any, error) {
	switch v := v.(type) {
	case nil:
		return nil, c.Add(SizeNull, path)
	case bool:
		return v, c.Add(SizeBool, path)
	case int:
		return c.int(int64(v), path)
	case int8:
		return c.int(int64(v), path)
	case int16:
		return c.int(int64(v), path)
	case int32:
		return c.int(int64(v), path)
	case int64:
		return c.int(v, path)
	case uint:
		return c.uint(uint64(v), path)
	case uint8:
		return c.int(int64(v), path)
	case uint16:
		return c.int(int64(v), path)
	case uint32:
		return c.int(int64(v), path)
	case uint64:
		return c.uint(v, path)
	case float32:
		return c.float(float64(v), path)
	case float64:
		return c.float(v, path)
	case string:
		return v, c.Add(SizeString(len(v)), path)
	case []byte:
		if err := c.Add(SizeString(len(v)), path); err != nil {
			return nil, err
		}
		return append([]byte(nil), v...), nil
	case []string:
		out := make([]any, len(v))
		for i, s := range v {
			out[i] = s
		}
		return c.copy(out, depth, path)
	case map[string]string:
		out := make(map[string]any, len(v))
		for k, s := range v {
			out[k] = s
		}
		return c.copy(out, depth, path)
	case []any:
		if err := c.Depth(depth+1, path); err != nil {
			return nil, err
		}
		if err := c.Add(2, path); err != nil {
			return nil, err
		}
		out := make([]any, len(v))
		for i, e := range v {
			x, err := c.copy(e, depth+1, pathIndex(path, i))
			if err != nil {
				return nil, err
			}
			if err := c.Add(1, path); err != nil {
				return nil, err
			}
			out[i] = x
		}
		return out, nil
	case map[string]any:
		if err := c.Depth(depth+1, path); err != nil {
			return nil, err
		}
		if err := c.Add(2, path); err != nil {
			return nil, err
		}
		out := make(map[string]any, len(v))
		for _, k := range SortedKeys(v) {
			if err := c.Add(SizeString(len(k))+2, path); err != nil {
				return nil, err
			}
			x, err := c.copy(v[k], depth+1, pathKey(path, k))
			if err != nil {
				return nil, err
			}
			out[k] = x
		}
		return out, nil
	}
	return nil, &ValueError{Path: path(), Msg: "value of an unsupported type"}
}

func (c *Counter) int(i int64, path pathFn) (any, error) {
	if err := c.Add(SizeNumber, path); err != nil {
		return nil, err
	}
	if i > MaxSafeInt || i < -MaxSafeInt {
		return float64(i), nil
	}
	return i, nil
}

func (c *Counter) uint(u uint64, path pathFn) (any, error) {
	if u > MaxSafeInt {
		return c.float(float64(u), path)
	}
	return c.int(int64(u), path)
}

func (c *Counter) float(f float64, path pathFn) (any, error) {
	n, ok := Num(f)
	if !ok {
		return nil, &ValueError{Path: path(), Msg: "number is not finite (NaN or Infinity)"}
	}
	return n, c.Add(SizeNumber, path)
}

// SortedKeys returns the keys of m in order, so copies and errors are
// deterministic.
func SortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
