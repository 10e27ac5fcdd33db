package js

import "github.com/scriptrun/scriptrun/third_party/goja"

// Calling back into goja from a native function of ours (a wrapper, a host
// function) must not go through goja.AssertFunction or AssertConstructor:
// those re-enter the runtime the way a Go caller outside it does, and when
// the native function was called straight from a promise job (a built-in or
// host function used as a handler), that re-entry drains the job queue
// nested inside the job, which reorders jobs. So the wrappers call the Go
// function goja itself calls for a function value (natives and JS functions
// alike export it), and construct with Runtime.New.

// goFunc returns the function goja calls for v, or false if v is not a
// plain function (a Proxy of one, for example).
func goFunc(v goja.Value) (func(goja.FunctionCall) goja.Value, bool) {
	o, ok := v.(*goja.Object)
	if !ok {
		return nil, false
	}
	f, ok := o.Export().(func(goja.FunctionCall) goja.Value)
	return f, ok && f != nil
}

// call calls f with this and args, throwing what it throws.
func call(f func(goja.FunctionCall) goja.Value, this goja.Value, args ...goja.Value) goja.Value {
	v := f(goja.FunctionCall{This: this, Arguments: args})
	if v == nil {
		return goja.Undefined()
	}
	return v
}

// construct calls new ctor(args...), throwing what it throws.
func (r *run) construct(ctor *goja.Object, args ...goja.Value) *goja.Object {
	o, err := r.vm.New(ctor, args...)
	if err != nil {
		panic(err)
	}
	return o
}

// newFunc makes a native function called name. (goja names a Go function
// after its Go symbol, which must not reach the script.)
func (r *run) newFunc(name goja.Value, f func(goja.FunctionCall) goja.Value) *goja.Object {
	o := r.vm.ToValue(f).(*goja.Object)
	r.setName(o, name)
	return o
}

// newCtor makes a native constructor called name.
func (r *run) newCtor(name string, f func(goja.ConstructorCall) *goja.Object) *goja.Object {
	o := r.vm.ToValue(f).(*goja.Object)
	r.setName(o, r.vm.ToValue(name))
	return o
}

func (r *run) setName(o *goja.Object, name goja.Value) {
	if name == nil {
		name = r.vm.ToValue("")
	}
	_ = o.DefineDataProperty("name", name, goja.FLAG_FALSE, goja.FLAG_TRUE, goja.FLAG_FALSE)
}
