package goja

// Built-in operations for embedders that build values a script must not be
// able to shape: a script can rebind Object.freeze or Uint8Array before
// the embedder needs them, and capturing the originals up front costs every
// runtime.

// Freeze freezes o as the built-in Object.freeze does (its properties
// become non-configurable, data properties non-writable, o non-extensible),
// whatever the global Object is now.
func (o *Object) Freeze() error {
	return o.runtime.try(func() {
		o.runtime.object_freeze(FunctionCall{Arguments: []Value{o}})
	})
}

// NewUint8Array returns a Uint8Array made with the built-in constructor's
// prototype over a new ArrayBuffer that holds data (not copied: the caller
// must not keep data).
func (r *Runtime) NewUint8Array(data []byte) *Object {
	// The constructor's prototype property is neither writable nor
	// configurable: it is the built-in prototype.
	proto, _ := r.getUint8Array().self.getStr("prototype", nil).(*Object)
	buf := r.NewArrayBuffer(data).buf
	return r.newUint8ArrayObject(buf, 0, len(data), proto).val
}
