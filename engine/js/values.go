package js

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/scriptrun/scriptrun/third_party/goja"

	"github.com/scriptrun/scriptrun/bridge"
)

var (
	typeInt64   = reflect.TypeOf(int64(0))
	typeFloat64 = reflect.TypeOf(float64(0))
	typeBool    = reflect.TypeOf(false)
	typeString  = reflect.TypeOf("")
	typeProxy   = reflect.TypeOf(goja.Proxy{})
	typeBuffer  = reflect.TypeOf(goja.ArrayBuffer{})
	typeBytes   = reflect.TypeOf([]byte(nil))
	typeArray   = reflect.TypeOf([]any(nil))
	typeMap     = reflect.TypeOf(map[string]any(nil))
	typeTime    = reflect.TypeOf(time.Time{})
	// goja exports a Map as its entries.
	typeMapEntries = reflect.TypeOf([][2]any(nil))
)

// exporter copies goja values into the bridge value model. It never hands
// out a live goja object; getters and proxy traps run as script code, under
// the run's budget (metered like any script function).
type exporter struct {
	c     *bridge.Counter
	onStk map[*goja.Object]bool
}

func newExporter(lim bridge.ValueLimits) *exporter {
	return &exporter{c: bridge.NewCounter(lim), onStk: map[*goja.Object]bool{}}
}

func (e *exporter) export(v goja.Value, depth int, p *bridge.Path) (any, error) {
	pathFn := p.String
	if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
		return nil, e.c.Add(bridge.SizeNull, pathFn)
	}
	if _, ok := v.(*goja.Symbol); ok {
		return nil, &bridge.ValueError{Path: pathFn(), Msg: "a symbol cannot cross to the host"}
	}
	o, isObj := v.(*goja.Object)
	if !isObj {
		switch v.ExportType() {
		case typeBool:
			return v.ToBoolean(), e.c.Add(bridge.SizeBool, pathFn)
		case typeString:
			s := v.String()
			if msg := loneSurrogate(v, s); msg != "" {
				return nil, &bridge.ValueError{Path: pathFn(), Msg: "a string with " + msg + " cannot cross to the host: it is not text"}
			}
			return s, e.c.Add(bridge.SizeString(len(s)), pathFn)
		case typeInt64, typeFloat64:
			n, ok := bridge.Num(v.ToFloat())
			if !ok {
				return nil, &bridge.ValueError{Path: pathFn(), Msg: "number is not finite (NaN or Infinity)"}
			}
			return n, e.c.Add(bridge.SizeNumber, pathFn)
		}
		return nil, &bridge.ValueError{Path: pathFn(), Msg: "a value of this type (bigint?) cannot cross to the host"}
	}
	if e.onStk[o] {
		return nil, &bridge.ValueError{Path: pathFn(), Msg: "the value contains a cycle"}
	}
	et, cls := o.ExportType(), o.ClassName()
	switch {
	case et == typeProxy:
		return nil, &bridge.ValueError{Path: pathFn(), Msg: "a Proxy cannot cross to the host"}
	case et == typeBuffer:
		return e.bytes(o.Export().(goja.ArrayBuffer).Bytes(), pathFn)
	case et == typeBytes:
		b, _ := o.Export().([]byte)
		return e.bytes(b, pathFn)
	case cls == "Array" && et == typeArray:
		return e.array(o, depth, p)
	case cls == "Object" && et == typeMap:
		return e.object(o, depth, p)
	case cls == "Function":
		return nil, &bridge.ValueError{Path: pathFn(), Msg: "a function cannot cross to the host"}
	}
	kind := cls
	switch {
	case et == typeMapEntries:
		kind = "Map"
	case cls == "Object" && et == typeArray:
		kind = "Set"
	case et == typeTime:
		kind = "Date"
	}
	return nil, &bridge.ValueError{Path: pathFn(), Msg: "a " + kind + " object cannot cross to the host; convert it to plain data first"}
}

func (e *exporter) bytes(b []byte, pathFn func() string) (any, error) {
	if err := e.c.Add(bridge.SizeString(len(b)), pathFn); err != nil {
		return nil, err
	}
	return append([]byte(nil), b...), nil
}

func (e *exporter) array(o *goja.Object, depth int, p *bridge.Path) (any, error) {
	if err := e.c.Depth(depth+1, p.String); err != nil {
		return nil, err
	}
	n := o.Get("length").ToInteger()
	if n < 0 || n > math.MaxInt32 {
		return nil, &bridge.ValueError{Path: p.String(), Msg: "array length out of range"}
	}
	if err := e.c.Add(2+n, p.String); err != nil {
		return nil, err
	}
	e.onStk[o] = true
	defer delete(e.onStk, o)
	out := make([]any, 0, min(n, 1024))
	for i := int64(0); i < n; i++ {
		x, err := e.export(o.Get(strconv.FormatInt(i, 10)), depth+1, p.Index(int(i)))
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, nil
}

func (e *exporter) object(o *goja.Object, depth int, p *bridge.Path) (any, error) {
	if err := e.c.Depth(depth+1, p.String); err != nil {
		return nil, err
	}
	if err := e.c.Add(2, p.String); err != nil {
		return nil, err
	}
	e.onStk[o] = true
	defer delete(e.onStk, o)
	keys := o.Keys()
	out := make(map[string]any, len(keys))
	for _, k := range keys {
		v := o.Get(k)
		if v == nil && strings.ContainsRune(k, utf8.RuneError) {
			// Keys come as Go strings, a lone surrogate made U+FFFD, so
			// the key read back finds nothing.
			return nil, &bridge.ValueError{Path: p.String(), Msg: "a key with a lone surrogate cannot cross to the host: it is not text"}
		}
		if v == nil || goja.IsUndefined(v) {
			continue // as JSON does
		}
		if err := e.c.Add(bridge.SizeString(len(k))+2, p.String); err != nil {
			return nil, err
		}
		x, err := e.export(v, depth+1, p.Key(k))
		if err != nil {
			return nil, err
		}
		out[k] = x
	}
	return out, nil
}

// importValue builds a fresh goja value from a bridge value. Properties are
// defined, never assigned, so setters a script put on Object.prototype do
// not run.
func (r *run) importValue(v any) goja.Value {
	vm := r.vm
	switch v := v.(type) {
	case nil:
		return goja.Null()
	case bool:
		return vm.ToValue(v)
	case int64:
		return vm.ToValue(v)
	case float64:
		return vm.ToValue(v)
	case string:
		return vm.ToValue(v)
	case []byte:
		buf := vm.NewArrayBuffer(append([]byte(nil), v...))
		// Uint8Array is looked up when first needed (making typed arrays
		// costs every run otherwise). If the script replaced it, its own
		// function runs, metered like any script code, and only it is fooled.
		if r.uint8Array == nil {
			r.uint8Array, _ = vm.Get("Uint8Array").(*goja.Object)
		}
		if r.uint8Array != nil {
			if o, err := vm.New(r.uint8Array, vm.ToValue(buf)); err == nil {
				return o
			}
		}
		return vm.ToValue(buf)
	case []any:
		items := make([]any, len(v))
		for i, e := range v {
			items[i] = r.importValue(e)
		}
		return vm.NewArray(items...)
	case map[string]any:
		o := vm.NewObject()
		for _, k := range bridge.SortedKeys(v) {
			_ = o.DefineDataProperty(k, r.importValue(v[k]), goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_TRUE)
		}
		return o
	}
	return goja.Undefined()
}

// loneSurrogate describes the first lone surrogate of the JS string v
// whose Go form (U+FFFD in its place) is s, or returns "". JS strings are
// UTF-16 and may hold halves of surrogate pairs that no UTF-8 text can;
// the host gets text, so such a string is an error rather than silently
// changed. Only a string with U+FFFD in its Go form is looked at again.
func loneSurrogate(v goja.Value, s string) string {
	str, ok := v.(goja.String)
	if !ok || !strings.ContainsRune(s, utf8.RuneError) {
		return ""
	}
	n := str.Length()
	for i := 0; i < n; i++ {
		c := str.CharAt(i)
		switch {
		case c >= 0xd800 && c <= 0xdbff && i+1 < n && str.CharAt(i+1) >= 0xdc00 && str.CharAt(i+1) <= 0xdfff:
			i++ // a pair
		case c >= 0xd800 && c <= 0xdfff:
			return fmt.Sprintf("a lone surrogate (\\u%04x at index %d)", c, i)
		}
	}
	return ""
}
