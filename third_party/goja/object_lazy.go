package goja

import "github.com/scriptrun/scriptrun/third_party/goja/unistring"

// NewLazyObject returns an ordinary object (its prototype is
// Object.prototype) with one own data property for each of names, in that
// order, whose values are made by calling value with the property's index
// the first time anything looks at that property, or at all of them when a
// script lists the object's keys or copies it. All the properties get the
// given attributes. A script cannot tell it from an object whose values
// were made up front; an embedder that gives every run a set of host
// functions pays only for those a run touches. This is what the runtime
// does for its own built-ins (the global object, the prototypes).
//
// value runs on the vm goroutine while a script runs, and must not call
// back into the runtime other than to make the value. A name given twice
// counts once (the first).
func (r *Runtime) NewLazyObject(names []string, value func(i int) Value, writable, enumerable, configurable bool) *Object {
	t := &objectTemplate{
		props:     make(map[unistring.String]templatePropFactory, len(names)),
		propNames: make([]unistring.String, 0, len(names)),
	}
	t.protoFactory = func(r *Runtime) *Object { return r.global.ObjectPrototype }
	for i, name := range names {
		n := unistring.NewFromString(name)
		if _, dup := t.props[n]; dup {
			continue
		}
		t.putStr(n, func(*Runtime) Value { return valueProp(value(i), writable, enumerable, configurable) })
	}
	return r.newTemplatedObject(t, nil).val
}
