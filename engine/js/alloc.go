package js

import (
	"math"
	"strconv"

	"github.com/scriptrun/scriptrun/third_party/goja"
)

// Built-ins that allocate in proportion to an argument are wrapped so that
// the size is charged to the memory budget before the allocation happens.
// goja would otherwise try to make the whole value at once: 'a'.repeat(2**40)
// ends the Go process with an out-of-memory fatal error that no recover()
// catches. The estimate is the worst case (UTF-16, 2 bytes a character;
// 16 bytes an array slot).
//
// This covers the direct routes; full memory accounting (string
// concatenation in loops, spread of huge array-likes) needs the process-wide
// heap ceiling that the memory issue brings.

const (
	bytesPerChar = 2
	bytesPerSlot = 16
)

func (r *run) guardAllocs() {
	vm := r.vm
	proto := func(ctor string) *goja.Object {
		return vm.Get(ctor).ToObject(vm).Get("prototype").ToObject(vm)
	}
	str, arr := proto("String"), proto("Array")
	arrayCtor := vm.Get("Array").ToObject(vm)
	thisLen := func(c goja.FunctionCall) float64 {
		if o, ok := c.This.(*goja.Object); ok {
			return o.Get("length").ToFloat()
		}
		return 0
	}
	r.wrap(str, "repeat", func(c goja.FunctionCall) float64 {
		return float64(len(c.This.String())) * c.Argument(0).ToFloat() * bytesPerChar
	})
	pad := func(c goja.FunctionCall) float64 { return c.Argument(0).ToFloat() * bytesPerChar }
	r.wrap(str, "padStart", pad)
	r.wrap(str, "padEnd", pad)
	r.wrap(arr, "fill", func(c goja.FunctionCall) float64 { return thisLen(c) * bytesPerSlot })
	r.wrap(arr, "join", func(c goja.FunctionCall) float64 {
		sep := 1.0
		if a := c.Argument(0); !goja.IsUndefined(a) {
			sep = float64(len(a.String()))
		}
		n := thisLen(c)
		size := n * (sep + 1) * bytesPerChar
		// Add the lengths of string elements where counting them is cheap
		// (the heap ceiling covers longer arrays).
		if o, ok := c.This.(*goja.Object); ok && n <= joinScan && o.ClassName() == "Array" {
			for i := 0; i < int(n); i++ {
				if s, ok := o.Get(strconv.Itoa(i)).(goja.String); ok {
					size += float64(s.Length()) * bytesPerChar
				}
			}
		}
		return size
	})
	// replace and replaceAll with a string replacement: the worst case is a
	// match at every position.
	replace := func(global bool) func(c goja.FunctionCall) float64 {
		return func(c goja.FunctionCall) float64 {
			repl, ok := c.Argument(1).(goja.String)
			if !ok {
				return 0
			}
			n := float64(len(c.This.String()))
			matches := 1.0
			if global || isGlobalRegExp(c.Argument(0)) {
				matches = n + 1
			}
			return (n + matches*float64(repl.Length())) * bytesPerChar
		}
	}
	r.wrap(str, "replace", replace(false))
	r.wrap(str, "replaceAll", replace(true))
	r.wrap(str, "split", func(c goja.FunctionCall) float64 {
		return float64(len(c.This.String())+1) * bytesPerSlot
	})
	r.wrap(arrayCtor, "from", func(c goja.FunctionCall) float64 {
		if o, ok := c.Argument(0).(*goja.Object); ok {
			return o.Get("length").ToFloat() * bytesPerSlot
		}
		return 0
	})
}

// joinScan is the longest array whose string elements join counts.
const joinScan = 100_000

func isGlobalRegExp(v goja.Value) bool {
	o, ok := v.(*goja.Object)
	if !ok || o.ClassName() != "RegExp" {
		return false
	}
	return o.Get("global").ToBoolean()
}

// wrap replaces o[name] with a function that charges size(call) bytes to
// the memory budget and then calls the original.
func (r *run) wrap(o *goja.Object, name string, size func(goja.FunctionCall) float64) {
	orig, ok := goFunc(o.Get(name))
	if !ok {
		return
	}
	fn := func(c goja.FunctionCall) goja.Value {
		if n := size(c); n > 0 && !math.IsNaN(n) {
			if n > math.MaxInt64/2 {
				n = math.MaxInt64 / 2
			}
			if err := r.w.AddMemory(int64(n)); err != nil {
				r.halt()
			}
		}
		return orig(c)
	}
	_ = o.DefineDataProperty(name, r.newFunc(r.vm.ToValue(name), fn), goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
}
