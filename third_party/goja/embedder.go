package goja

import "github.com/scriptrun/scriptrun/third_party/goja/unistring"

// Helpers for embedders that must not depend on what a script has done to
// the global object: a script can rebind Error or replace
// Object.getOwnPropertyDescriptor, and an embedder that captured the
// originals before the script ran paid for building them in every runtime,
// used or not.

// NewError creates an object the way `new Error(msg)` does with the
// runtime's built-in Error constructor, whatever the global Error is now.
// Unlike NewTypeError, msg is used as is (no formatting).
func (r *Runtime) NewError(msg string) *Object {
	return r.builtin_new(r.getError(), []Value{newStringValue(msg)})
}

// NewRangeError is NewError for the built-in RangeError constructor.
func (r *Runtime) NewRangeError(msg string) *Object {
	return r.builtin_new(r.getRangeError(), []Value{newStringValue(msg)})
}

// OwnDataProperty returns the value of o's own data property name, and
// whether there is one. It runs no script code: an accessor property gives
// false without calling its getter, and a Proxy gives false without calling
// its traps.
func (o *Object) OwnDataProperty(name string) (Value, bool) {
	if _, isProxy := o.self.(*proxyObject); isProxy {
		return nil, false
	}
	switch p := o.self.getOwnPropStr(unistring.NewFromString(name)).(type) {
	case nil:
		return nil, false
	case *valueProperty:
		if p.accessor {
			return nil, false
		}
		return p.value, p.value != nil
	default:
		return p, true
	}
}
