package js

import (
	"github.com/dop251/goja"

	"github.com/scriptrun/scriptrun/limits"
)

// Built-in functions call one another in Go, with no JS frame in between:
// Array.prototype.toString calls this.join, String.prototype.trim converts
// `this` with its toString, Object.prototype.toLocaleString calls
// this.toString, forEach calls its callback. A script that wires them into a
// cycle, for example
//
//	Array.prototype.join = Array.prototype.toString; String([])
//
// recurses in Go until the Go stack passes its 1 GB ceiling and the process
// dies with a fatal error that no recover() catches (goja's call-depth limit
// counts only calls made by the VM). So, in each fresh runtime, the
// built-ins that call back into what a script can rewire are replaced by Go
// wrappers that count how deeply built-in calls nest and end the run with
// the stackDepth limit past the budget. The wrapper calls the original's Go
// function directly, so it costs a function call, not a VM re-entry.

// callbackMethods are the Array (and typed array) methods that call a
// callback or a method of this.
var callbackMethods = []string{"forEach", "map", "filter", "some", "every", "find", "findIndex", "findLast",
	"findLastIndex", "reduce", "reduceRight", "sort", "flatMap", "toString", "toLocaleString", "join"}

// wrapNatives wraps the built-ins listed here; "*" means every own method
// and accessor (string and symbol keys).
func (r *run) wrapNatives() error {
	vm := r.vm
	r.accessorsOf = map[*goja.Object]bool{}
	defer func() { r.accessorsOf = nil }()
	get := func(o *goja.Object, k string) *goja.Object {
		v, _ := o.Get(k).(*goja.Object)
		return v
	}
	g := vm.GlobalObject()
	ownKeys, _ := goja.AssertFunction(get(g, "Reflect").Get("ownKeys"))
	proto := func(name string) *goja.Object { return get(get(g, name), "prototype") }
	fnProto := get(g, "Object").Prototype() // Function.prototype (Function itself is gone)
	typedProto := get(g, "Uint8Array").Prototype()
	for _, t := range []struct {
		o    *goja.Object
		keys []string
	}{
		{proto("Object"), []string{"toString", "toLocaleString"}},
		{proto("Array"), callbackMethods},
		{get(g, "Array"), []string{"from"}},
		{proto("String"), []string{"*"}},
		{proto("RegExp"), []string{"*"}},
		{proto("Date"), []string{"toJSON", "*toPrimitive"}},
		{proto("Error"), []string{"toString"}},
		{fnProto, []string{"call", "apply"}},
		{get(g, "Reflect"), []string{"apply", "construct"}},
		{get(g, "JSON"), []string{"parse", "stringify"}},
		{proto("Map"), []string{"forEach"}},
		{proto("Set"), []string{"forEach"}},
		{get(typedProto, "prototype"), []string{"toString", "toLocaleString", "join"}},
	} {
		if t.o == nil {
			continue
		}
		var keys []goja.Value
		if t.keys[0] == "*" || t.keys[len(t.keys)-1] == "*toPrimitive" {
			all, err := ownKeys(goja.Undefined(), t.o)
			if err != nil {
				return err
			}
			ko := all.(*goja.Object)
			n := ko.Get("length").ToInteger()
			for i := int64(0); i < n; i++ {
				k := ko.Get(itoa(i))
				if t.keys[0] == "*" {
					keys = append(keys, k)
				} else if s, ok := k.(*goja.Symbol); ok && s == goja.SymToPrimitive {
					keys = append(keys, k)
				}
			}
		}
		if t.keys[0] != "*" {
			for _, k := range t.keys {
				if k != "*toPrimitive" {
					keys = append(keys, vm.ToValue(k))
				}
			}
		}
		if t.keys[0] == "*" {
			r.accessorsOf[t.o] = true // may hold accessors: read descriptors
		}
		for _, k := range keys {
			r.wrapProp(t.o, k)
		}
	}
	return nil
}

// wrapProp replaces the method or accessor o[k] with counting wrappers,
// keeping its attributes.
func (r *run) wrapProp(o *goja.Object, k goja.Value) {
	if k.String() == "constructor" {
		return
	}
	if _, isSym := k.(*goja.Symbol); !isSym && !r.accessorsOf[o] {
		// Built-in methods are writable, configurable, not enumerable.
		if w, ok := r.wrapFn(o.Get(k.String())); ok {
			_ = o.DefineDataProperty(k.String(), w, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
		}
		return
	}
	d, err := r.getOwnPropertyDescriptor(goja.Undefined(), o, k)
	if err != nil {
		return
	}
	desc, ok := d.(*goja.Object)
	if !ok || !desc.Get("configurable").ToBoolean() {
		return
	}
	flag := func(name string) goja.Flag {
		if desc.Get(name).ToBoolean() {
			return goja.FLAG_TRUE
		}
		return goja.FLAG_FALSE
	}
	sym, isSym := k.(*goja.Symbol)
	if v := desc.Get("value"); v != nil && !goja.IsUndefined(v) {
		w, ok := r.wrapFn(v)
		if !ok {
			return
		}
		if isSym {
			_ = o.DefineDataPropertySymbol(sym, w, flag("writable"), goja.FLAG_TRUE, flag("enumerable"))
		} else {
			_ = o.DefineDataProperty(k.String(), w, flag("writable"), goja.FLAG_TRUE, flag("enumerable"))
		}
		return
	}
	getter, gok := r.wrapFn(desc.Get("get"))
	setter, sok := r.wrapFn(desc.Get("set"))
	if !gok && !sok {
		return
	}
	if !gok {
		getter = desc.Get("get")
	}
	if !sok {
		setter = desc.Get("set")
	}
	if isSym {
		_ = o.DefineAccessorPropertySymbol(sym, getter, setter, goja.FLAG_TRUE, flag("enumerable"))
	} else {
		_ = o.DefineAccessorProperty(k.String(), getter, setter, goja.FLAG_TRUE, flag("enumerable"))
	}
}

// wrapFn returns a counting wrapper of a native function value.
func (r *run) wrapFn(v goja.Value) (goja.Value, bool) {
	o, ok := v.(*goja.Object)
	if !ok {
		return v, false
	}
	f, ok := o.Export().(func(goja.FunctionCall) goja.Value)
	if !ok || f == nil {
		return v, false
	}
	w := r.vm.ToValue(func(c goja.FunctionCall) goja.Value {
		r.nativeDepth++
		defer func() { r.nativeDepth-- }()
		if r.nativeDepth > r.depthLimit() {
			if r.w != nil {
				_ = r.w.Exceed(limits.StackDepth)
			}
			r.halt()
		}
		return f(c)
	}).(*goja.Object)
	// name and length are not copied: that would double the cost of
	// making a runtime, and scripts rarely look at a built-in's name.
	return w, true
}

func itoa(i int64) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}
