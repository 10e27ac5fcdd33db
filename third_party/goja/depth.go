package goja

// Native recursion depth.
//
// Some recursion in the runtime runs in Go without pushing JavaScript
// frames, so SetMaxCallStackSize does not bound it: built-in functions
// calling each other (Array.prototype.join = Array.prototype.toString;
// String([]), a getter that is a built-in reading the property it is the
// getter of), JSON.stringify, JSON.parse and Array.prototype.flat over deeply
// nested data, chains of proxies and of bound functions. Deep enough, it
// overflows the goroutine stack, which is a fatal error that no recover()
// catches. One counter on the Runtime bounds it: it is incremented while Go
// code calls a built-in function (not when JavaScript calls it: that pushes
// a frame), and on each level of those recursive walks. Above the limit the
// operation throws a RangeError, as V8 does when its stack runs out. Proxy
// and bound-function chains are bounded when they are built, since walking
// them involves no call at all.

// DefaultMaxNativeDepth is the native recursion depth of a new Runtime. A
// level costs at most a few KiB of goroutine stack, so native recursion
// stays within a few tens of MiB of Go's 1 GB stack limit. Embedders should
// set their own, lower, bound: some routes do work quadratic in the depth (a
// TypeError whose message converts an object whose conversion throws that
// TypeError again builds messages of every length up to the depth: 17 s at
// 10,000 levels, 0.13 s at 1000).
const DefaultMaxNativeDepth = 10000

// SetMaxNativeDepth sets how deep Go code of the runtime may recurse without
// JavaScript frames in between (see DefaultMaxNativeDepth): built-ins
// calling built-ins, JSON over nested data, proxy and bound-function chains.
// 0 restores the default; a negative value removes the bound. Like the other
// Set* methods it may only be called from the vm goroutine or when the vm is
// not running.
func (r *Runtime) SetMaxNativeDepth(n int) {
	r.guards.maxDepth = n
	r.guards.depthLimit = r.maxNativeDepth()
}

func (r *Runtime) maxNativeDepth() int {
	switch n := r.guards.maxDepth; {
	case n == 0:
		return DefaultMaxNativeDepth
	case n < 0:
		return maxInt
	default:
		return n
	}
}

func (r *Runtime) nativeDepthError() Value {
	return r.newError(r.getRangeError(), "Maximum call stack size exceeded")
}

// enterNative counts one level of native recursion; every call is paired
// with a deferred leaveNative.
func (r *Runtime) enterNative() {
	r.guards.depth++
	if r.guards.depth > r.guards.depthLimit {
		r.deepNative()
	}
}

// deepNative is enterNative's slow path: the limit is resolved on first use
// (the zero Runtime has none set), then enforced.
func (r *Runtime) deepNative() {
	if r.guards.depthLimit == 0 {
		r.guards.depthLimit = r.maxNativeDepth()
		if r.guards.depth <= r.guards.depthLimit {
			return
		}
	}
	r.guards.depth--
	panic(r.nativeDepthError())
}

func (r *Runtime) leaveNative() {
	r.guards.depth--
}

// countedCall wraps a built-in function for calls from Go.
func (r *Runtime) countedCall(f func(FunctionCall) Value) func(FunctionCall) Value {
	return func(call FunctionCall) Value {
		r.enterNative()
		defer r.leaveNative()
		return f(call)
	}
}

// chainDepth is the depth of a proxy or bound-function chain ending in o.
func chainDepth(o *Object) int {
	if o == nil {
		return 0
	}
	switch s := o.self.(type) {
	case *proxyObject:
		return s.depth
	case *boundFuncObject:
		return s.depth
	}
	return 0
}

// checkChain gives the depth of a new link on top of links, or throws.
func (r *Runtime) checkChain(links ...*Object) int {
	d := 0
	for _, o := range links {
		d = max(d, chainDepth(o))
	}
	d++
	if d > r.maxNativeDepth() {
		panic(r.nativeDepthError())
	}
	return d
}
