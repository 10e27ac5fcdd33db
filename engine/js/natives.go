package js

import (
	"fmt"
	"strconv"

	"github.com/scriptrun/scriptrun/third_party/goja"

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

// wrapNatives wraps the built-ins listed here. all means every own method
// and accessor, string and symbol keys alike (the object may hold
// accessors, so their descriptors are read).
func (r *run) wrapNatives() error {
	vm := r.vm
	r.accessorsOf = map[*goja.Object]bool{}
	defer func() { r.accessorsOf = nil }()
	get := func(o *goja.Object, k string) *goja.Object {
		v, _ := o.Get(k).(*goja.Object)
		return v
	}
	g := vm.GlobalObject()
	ownKeys, _ := goFunc(get(g, "Reflect").Get("ownKeys"))
	proto := func(name string) *goja.Object { return get(get(g, name), "prototype") }
	fnProto := get(g, "Object").Prototype() // Function.prototype (Function itself is gone)
	typedProto := get(g, "Uint8Array").Prototype()
	str := func(keys ...string) []goja.Value {
		out := make([]goja.Value, len(keys))
		for i, k := range keys {
			out[i] = vm.ToValue(k)
		}
		return out
	}
	for _, t := range []struct {
		o    *goja.Object
		keys []goja.Value
		all  bool
	}{
		{o: proto("Object"), keys: str("toString", "toLocaleString")},
		{o: proto("Array"), keys: str(callbackMethods...)},
		{o: get(g, "Array"), keys: str("from")},
		{o: proto("String"), all: true},
		{o: proto("RegExp"), all: true},
		{o: proto("Date"), keys: append(str("toJSON"), goja.SymToPrimitive)},
		{o: proto("Error"), keys: str("toString")},
		{o: fnProto, keys: str("call", "apply")},
		{o: get(g, "Reflect"), keys: str("apply", "construct")},
		{o: get(g, "JSON"), keys: str("parse", "stringify")},
		{o: proto("Map"), keys: str("forEach")},
		{o: proto("Set"), keys: str("forEach")},
		{o: get(typedProto, "prototype"), keys: str("toString", "toLocaleString", "join")},
	} {
		if t.o == nil {
			continue
		}
		keys := t.keys
		if t.all {
			var list *goja.Object
			if ex := vm.Try(func() { list, _ = call(ownKeys, goja.Undefined(), t.o).(*goja.Object) }); ex != nil || list == nil {
				return fmt.Errorf("listing built-ins: %v", ex)
			}
			n := list.Get("length").ToInteger()
			for i := int64(0); i < n; i++ {
				keys = append(keys, list.Get(strconv.FormatInt(i, 10)))
			}
			r.accessorsOf[t.o] = true
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
	desc, ok := call(r.getOwnPropertyDescriptor, goja.Undefined(), o, k).(*goja.Object)
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
	f, ok := goFunc(v)
	if !ok {
		return v, false
	}
	return r.newFunc(v.(*goja.Object).Get("name"), func(c goja.FunctionCall) goja.Value {
		r.nativeDepth++
		defer func() { r.nativeDepth-- }()
		if r.nativeDepth > r.depthLimit() {
			if r.w != nil {
				_ = r.w.Exceed(limits.StackDepth)
			}
			r.halt()
		}
		return f(c)
	}), true
}
