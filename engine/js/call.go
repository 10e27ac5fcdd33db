package js

import "github.com/scriptrun/scriptrun/third_party/goja"

// newFunc makes a native function called name. (goja names a Go function
// after its Go symbol, which must not reach the script.)
func (r *run) newFunc(name goja.Value, f func(goja.FunctionCall) goja.Value) *goja.Object {
	o := r.vm.ToValue(f).(*goja.Object)
	r.setName(o, name)
	return o
}

func (r *run) setName(o *goja.Object, name goja.Value) {
	if name == nil {
		name = r.vm.ToValue("")
	}
	_ = o.DefineDataProperty("name", name, goja.FLAG_FALSE, goja.FLAG_TRUE, goja.FLAG_FALSE)
}
