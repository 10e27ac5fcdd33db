package lua

import (
	"math"
	"sort"
	"strconv"
	"unicode/utf8"

	glua "github.com/scriptrun/scriptrun/third_party/gopher-lua"

	"github.com/scriptrun/scriptrun/bridge"
)

// toLua builds fresh Lua values from a bridge value: lists become sequences
// 1..n, maps tables with string keys, int64 and float64 numbers, bytes
// strings. Nothing live is shared with the host.
func toLua(L *glua.LState, v any) glua.LValue {
	switch v := v.(type) {
	case nil:
		return glua.LNil
	case bool:
		return glua.LBool(v)
	case int64:
		return glua.LNumber(v)
	case float64:
		return glua.LNumber(v)
	case string:
		return glua.LString(v)
	case []byte:
		return glua.LString(v)
	case []any:
		t := L.CreateTable(len(v), 0)
		// A null item is a hole (Lua tables cannot hold nil); the items
		// after it keep their indices.
		for i, e := range v {
			if e != nil {
				t.RawSetInt(i+1, toLua(L, e))
			}
		}
		return t
	case map[string]any:
		t := L.CreateTable(0, len(v))
		for _, k := range bridge.SortedKeys(v) {
			t.RawSetString(k, toLua(L, v[k]))
		}
		return t
	}
	return glua.LNil
}

// fromLua copies a Lua value into the bridge value model:
//
//	nil -> null, boolean -> bool, number -> int64 when whole (bridge.Num)
//	else float64, string -> string (valid UTF-8 only, or bytes where hint
//	is bridge.Bytes), a table whose keys are exactly 1..n -> list, a table
//	whose keys are all strings -> map.
//
// A Lua string is any bytes, a host string is text: a string that is not
// valid UTF-8 is an error naming where it is (never silently repaired
// with U+FFFD by whatever encodes it later), except as the value of a
// parameter declared bytes.
//
// An empty table becomes an empty list, unless hint (the declared type of
// a host function's parameter) is bridge.Map. Everything else (mixed or
// non-string keys, sparse sequences, functions, coroutines, userdata,
// cycles, NaN) is a *bridge.ValueError naming the path.
func fromLua(c *bridge.Counter, v glua.LValue, hint bridge.Type) (any, error) {
	e := exporter{c: c, onStk: map[*glua.LTable]bool{}}
	return e.export(v, 0, nil, hint)
}

type exporter struct {
	c     *bridge.Counter
	onStk map[*glua.LTable]bool
}

func (e *exporter) export(v glua.LValue, depth int, p *bridge.Path, hint bridge.Type) (any, error) {
	pathFn := p.String
	switch v := v.(type) {
	case *glua.LNilType:
		return nil, e.c.Add(bridge.SizeNull, pathFn)
	case glua.LBool:
		return bool(v), e.c.Add(bridge.SizeBool, pathFn)
	case glua.LNumber:
		n, ok := bridge.Num(float64(v))
		if !ok {
			return nil, &bridge.ValueError{Path: pathFn(), Msg: "number is not finite (nan or inf)"}
		}
		return n, e.c.Add(bridge.SizeNumber, pathFn)
	case glua.LString:
		if err := e.c.Add(bridge.SizeString(len(v)), pathFn); err != nil {
			return nil, err
		}
		if !utf8.ValidString(string(v)) {
			if hint == bridge.Bytes {
				return []byte(v), nil
			}
			return nil, &bridge.ValueError{Path: pathFn(), Msg: notUTF8("a string", string(v))}
		}
		return string(v), nil
	case *glua.LTable:
		return e.table(v, depth, p, hint)
	}
	return nil, &bridge.ValueError{Path: pathFn(), Msg: "a " + v.Type().String() + " cannot cross to the host"}
}

func (e *exporter) table(t *glua.LTable, depth int, p *bridge.Path, hint bridge.Type) (any, error) {
	pathFn := p.String
	if e.onStk[t] {
		return nil, &bridge.ValueError{Path: pathFn(), Msg: "the table contains a cycle"}
	}
	if err := e.c.Depth(depth+1, pathFn); err != nil {
		return nil, err
	}
	if err := e.c.Add(2, pathFn); err != nil {
		return nil, err
	}
	// Classify the keys first, bounded by the size budget (each key costs
	// at least one byte), without copying any value.
	var (
		nInt, nStr int
		maxInt     int
		strKeys    []string
		bad        glua.LValue
	)
	k, _ := t.Next(glua.LNil)
	for ; k != glua.LNil; k, _ = t.Next(k) {
		if err := e.c.Add(1, pathFn); err != nil {
			return nil, err
		}
		switch k := k.(type) {
		case glua.LString:
			if !utf8.ValidString(string(k)) {
				return nil, &bridge.ValueError{Path: pathFn(), Msg: notUTF8("a key", string(k))}
			}
			nStr++
			strKeys = append(strKeys, string(k))
		case glua.LNumber:
			f := float64(k)
			if f >= 1 && f == math.Trunc(f) && f <= math.MaxInt32 {
				nInt++
				maxInt = max(maxInt, int(f))
				continue
			}
			if bad == nil {
				bad = k
			}
		default:
			if bad == nil {
				bad = k
			}
		}
	}
	switch {
	case bad != nil:
		return nil, &bridge.ValueError{Path: pathFn(), Msg: "a table with a key that is not a string or a list index (" + keyDesc(bad) + ") cannot cross to the host"}
	case nInt > 0 && nStr > 0:
		return nil, &bridge.ValueError{Path: pathFn(), Msg: "a table with both list items and string keys cannot cross to the host"}
	case nInt > 0 && maxInt != nInt:
		return nil, &bridge.ValueError{Path: pathFn(), Msg: "a sparse list (it has holes, or nil items) cannot cross to the host"}
	}
	e.onStk[t] = true
	defer delete(e.onStk, t)
	if nStr == 0 && (nInt > 0 || hint != bridge.Map) {
		out := make([]any, nInt)
		for i := 0; i < nInt; i++ {
			x, err := e.export(t.RawGetInt(i+1), depth+1, p.Index(i), bridge.Any)
			if err != nil {
				return nil, err
			}
			if err := e.c.Add(1, pathFn); err != nil {
				return nil, err
			}
			out[i] = x
		}
		return out, nil
	}
	sort.Strings(strKeys)
	out := make(map[string]any, nStr)
	for _, k := range strKeys {
		if err := e.c.Add(bridge.SizeString(len(k))+1, pathFn); err != nil {
			return nil, err
		}
		x, err := e.export(t.RawGetString(k), depth+1, p.Key(k), bridge.Any)
		if err != nil {
			return nil, err
		}
		out[k] = x
	}
	return out, nil
}

func keyDesc(k glua.LValue) string {
	if n, ok := k.(glua.LNumber); ok {
		return "the number " + n.String()
	}
	return "a " + k.Type().String()
}

// notUTF8 says that what (a string, a key) s is not valid UTF-8, where,
// and what to do instead.
func notUTF8(what, s string) string {
	return what + " that is not valid UTF-8 (byte " + strconv.Itoa(invalidAt(s)+1) +
		") cannot cross to the host as text; encode binary data first (std.base64.encode, std.hex.encode)"
}
