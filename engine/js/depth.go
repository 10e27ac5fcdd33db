package js

import (
	"fmt"

	"github.com/scriptrun/scriptrun/third_party/goja"
)

// Some built-ins recurse in Go over structures a script builds without any
// recursion of its own: a chain of a million Proxies (each get walks into
// its target), a million nested arrays turned into a string, a million
// nested objects given to JSON.stringify. Go's stack then grows past its
// 1 GB ceiling and the process dies with a fatal error that no recover()
// catches. These wrappers bound that nesting by the run's stack-depth
// budget and throw a RangeError beyond it.

func (r *run) guardDepth() {
	r.guardProxy()
	r.guardStringify()
	r.guardFlat()
	r.guardParse()
}

// guardParse bounds JSON.parse, whose parser recurses in Go once per
// nested array or object in the text: the text is scanned first.
func (r *run) guardParse() {
	jsonObj, ok := r.vm.GlobalObject().Get("JSON").(*goja.Object)
	if !ok {
		return
	}
	orig, ok := goFunc(jsonObj.Get("parse"))
	if !ok {
		return
	}
	fn := func(c goja.FunctionCall) goja.Value {
		if jsonDepth(c.Argument(0).String()) > r.depthLimit() {
			panic(r.tooDeep("JSON.parse input"))
		}
		return orig(c)
	}
	_ = jsonObj.DefineDataProperty("parse", r.newFunc(r.vm.ToValue("parse"), fn), goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
}

// jsonDepth returns the deepest nesting of [ and { in JSON text, outside
// strings.
func jsonDepth(s string) int {
	depth, deepest, inStr := 0, 0, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inStr && c == '\\':
			i++
		case c == '"':
			inStr = !inStr
		case inStr:
		case c == '[' || c == '{':
			depth++
			deepest = max(deepest, depth)
		case c == ']' || c == '}':
			depth--
		}
	}
	return deepest
}

// checkNesting walks v without recursion and panics with a RangeError when
// plain arrays (and, with keys, plain objects' listed properties) nest
// deeper than the limit. Proxies are not entered: their traps are script
// code, bounded by the script's own call depth.
func (r *run) checkNesting(v goja.Value, what string, keys []string) {
	type item struct {
		o *goja.Object
		d int
	}
	limit := r.depthLimit()
	o, ok := v.(*goja.Object)
	if !ok {
		return
	}
	stack := []item{{o, 1}}
	seen := map[*goja.Object]bool{}
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[it.o] || it.o.ExportType() == typeProxy {
			continue
		}
		seen[it.o] = true
		if it.d > limit {
			panic(r.tooDeep(what))
		}
		var children []goja.Value
		switch {
		case it.o.ClassName() == "Array":
			n := it.o.Get("length").ToInteger()
			for i := int64(0); i < n; i++ {
				children = append(children, it.o.Get(fmt.Sprint(i)))
			}
		case keys != nil && it.o.ClassName() == "Object":
			for _, k := range keys {
				children = append(children, it.o.Get(k))
			}
		}
		for _, c := range children {
			if co, ok := c.(*goja.Object); ok {
				stack = append(stack, item{co, it.d + 1})
			}
		}
	}
}

// guardFlat bounds Array.prototype.flat, which recurses in Go once per
// level it flattens.
func (r *run) guardFlat() {
	arr := r.vm.Get("Array").ToObject(r.vm).Get("prototype").ToObject(r.vm)
	orig, ok := goFunc(arr.Get("flat"))
	if !ok {
		return
	}
	fn := func(c goja.FunctionCall) goja.Value {
		d := c.Argument(0)
		if !goja.IsUndefined(d) && d.ToFloat() > float64(r.depthLimit()) {
			r.checkNesting(c.This, "arrays given to flat", nil)
		}
		return orig(c)
	}
	_ = arr.DefineDataProperty("flat", r.newFunc(r.vm.ToValue("flat"), fn), goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
}

func (r *run) depthLimit() int {
	if r.env == nil {
		return 1000
	}
	return int(r.env.Budget.StackDepth)
}

func (r *run) tooDeep(what string) *goja.Object {
	return r.construct(r.rangeErrorCtor, r.vm.ToValue(fmt.Sprintf("%s nested deeper than %d levels", what, r.depthLimit())))
}

// guardProxy replaces Proxy (and Proxy.revocable) with versions that record
// how deep each proxy's chain of targets and handlers is.
func (r *run) guardProxy() {
	vm := r.vm
	g := vm.GlobalObject()
	origObj, ok := g.Get("Proxy").(*goja.Object)
	if !ok {
		return
	}
	revocable, _ := goFunc(origObj.Get("revocable"))
	depth := map[*goja.Object]int{}
	check := func(args []goja.Value) int {
		d := 0
		for i := 0; i < len(args) && i < 2; i++ {
			if o, ok := args[i].(*goja.Object); ok && depth[o] > d {
				d = depth[o]
			}
		}
		if d+1 > r.depthLimit() {
			panic(r.tooDeep("proxies"))
		}
		return d + 1
	}
	ctor := r.newCtor("Proxy", func(c goja.ConstructorCall) *goja.Object {
		d := check(c.Arguments)
		p := r.construct(origObj, c.Arguments...)
		depth[p] = d
		return p
	})
	_ = ctor.DefineDataProperty("revocable", r.newFunc(vm.ToValue("revocable"), func(c goja.FunctionCall) goja.Value {
		d := check(c.Arguments)
		res := revocable(c)
		if o, ok := res.(*goja.Object); ok {
			if p, ok := o.Get("proxy").(*goja.Object); ok {
				depth[p] = d
			}
		}
		return res
	}), goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	_ = g.DefineDataProperty("Proxy", ctor, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
}

// guardStringify makes JSON.stringify track the depth of each value through
// a replacer (wrapping the script's own replacer function, if any). An
// array replacer (a key list, whose order a function cannot reproduce) gets
// a walk of the value first instead.
func (r *run) guardStringify() {
	vm := r.vm
	jsonObj, ok := vm.GlobalObject().Get("JSON").(*goja.Object)
	if !ok {
		return
	}
	orig, ok := goFunc(jsonObj.Get("stringify"))
	if !ok {
		return
	}
	fn := func(c goja.FunctionCall) goja.Value {
		rep := c.Argument(1)
		user, isFn := goFunc(rep)
		if !isFn && !goja.IsUndefined(rep) && !goja.IsNull(rep) {
			// A key list: check the nesting first (arrays and the listed
			// keys), then let the original keep the list's order.
			var keys []string
			if ro, ok := rep.(*goja.Object); ok && ro.ClassName() == "Array" {
				n := ro.Get("length").ToInteger()
				for i := int64(0); i < n && i < 10000; i++ {
					keys = append(keys, ro.Get(fmt.Sprint(i)).String())
				}
			}
			r.checkNesting(c.Argument(0), "values given to JSON.stringify", keys)
			return orig(c)
		}
		depth := map[*goja.Object]int{}
		tracker := r.newFunc(nil, func(fc goja.FunctionCall) goja.Value {
			v := fc.Argument(1)
			if isFn {
				v = call(user, fc.This, fc.Argument(0), v)
			}
			if o, ok := v.(*goja.Object); ok {
				holder, _ := fc.This.(*goja.Object)
				d := depth[holder] + 1
				if d > r.depthLimit() {
					panic(r.tooDeep("values given to JSON.stringify"))
				}
				depth[o] = d
			}
			return v
		})
		return call(orig, c.This, c.Argument(0), tracker, c.Argument(2))
	}
	_ = jsonObj.DefineDataProperty("stringify", r.newFunc(vm.ToValue("stringify"), fn), goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
}
