package goja

import (
	"fmt"
	"time"
	"unicode/utf16"
)

// Limits bound what one script-controlled number can make the runtime
// allocate in one step: a string length, a dense array length, the length of
// an argument list built from an array-like, the size of an ArrayBuffer.
// Above a bound the operation throws a RangeError that the script can catch,
// before anything is allocated.
//
// A zero field means the default (see DefaultLimits); a negative field means
// no bound of that kind.
type Limits struct {
	// MaxStringLen is the longest string (in UTF-16 code units) that
	// concatenation, String.prototype.repeat/padStart/padEnd/concat,
	// Array.prototype.join, replace results, JSON.stringify and the other
	// string builders of the runtime may produce.
	MaxStringLen int

	// MaxArrayLen is the most elements one dense array (or one list of
	// values materialised from an array-like or an iterator) may get in one
	// operation: Array.from, Array.prototype.toSorted over an array-like,
	// array spread, Array.prototype.fill and friends on a dense array, the
	// dense copy made by concat, flat, splice, slice.
	MaxArrayLen int

	// MaxArgs is the longest argument list that Function.prototype.apply,
	// Reflect.apply, Reflect.construct and call spread (f(...xs)) may build.
	MaxArgs int

	// MaxBufferLen is the largest ArrayBuffer (in bytes), including the
	// buffers behind typed arrays.
	MaxBufferLen int

	// MaxCollateLen is the longest string (in UTF-16 code units) that
	// String.prototype.localeCompare collates. Collation is one call into
	// golang.org/x/text/collate that nothing can interrupt, at 30 to 200 ns
	// a character; the bound keeps that call to milliseconds.
	MaxCollateLen int
}

// The defaults keep every single allocation that one number can ask for at
// or below 256 MiB, well under what a 64-bit process survives, while leaving
// far more room than scripts that transform data need. V8's own limits, for
// comparison: strings 2^29-24 code units, arguments about 65535 on some
// paths (JavaScriptCore: 65536), ArrayBuffers up to 2^53 bytes.
const (
	DefaultMaxStringLen = 1 << 27 // 128 Mi code units: 128 MiB ASCII, 256 MiB UTF-16
	DefaultMaxArrayLen  = 1 << 24 // 16 Mi elements: 256 MiB of values
	DefaultMaxArgs      = 65535   // JavaScriptCore's limit; V8 fails near there on some paths
	DefaultMaxBufferLen = 1 << 28 // 256 MiB
	// 64 Ki characters, a long article: collating two of them takes 5 to
	// 25 ms (ASCII to expansions such as U+FDFA), the normalization before
	// it, which polls, up to 70 ms.
	DefaultMaxCollateLen = 1 << 16
)

// DefaultLimits returns the limits a new Runtime starts with.
func DefaultLimits() Limits {
	return Limits{
		MaxStringLen: DefaultMaxStringLen,
		MaxArrayLen:  DefaultMaxArrayLen,
		MaxArgs:      DefaultMaxArgs,
		MaxBufferLen: DefaultMaxBufferLen,

		MaxCollateLen: DefaultMaxCollateLen,
	}
}

func (l Limits) resolve() Limits {
	pick := func(v, def int) int {
		switch {
		case v == 0:
			return def
		case v < 0:
			return maxInt - 1
		}
		return v
	}
	return Limits{
		MaxStringLen: pick(l.MaxStringLen, DefaultMaxStringLen),
		MaxArrayLen:  pick(l.MaxArrayLen, DefaultMaxArrayLen),
		MaxArgs:      pick(l.MaxArgs, DefaultMaxArgs),
		MaxBufferLen: pick(l.MaxBufferLen, DefaultMaxBufferLen),

		MaxCollateLen: pick(l.MaxCollateLen, DefaultMaxCollateLen),
	}
}

// guards is the per-Runtime state of the allocation limits and the memory meter.
type guards struct {
	set   bool // limits were resolved (the zero guards means the defaults)
	lim   Limits
	meter func(n int64) error

	// pending is what the small fixed-size charges (charges.go) collected
	// and have not yet reported to the meter.
	pending int64

	regexpTimeout func() time.Duration // regexp_limits.go
	regexpCopies  regexpCopies

	depth, maxDepth, depthLimit int // native recursion depth, its bound as set and as resolved (depth.go)
}

func (g *guards) limits() *Limits {
	if !g.set {
		g.lim = DefaultLimits()
		g.set = true
	}
	return &g.lim
}

// SetLimits sets the allocation limits of the runtime (zero fields: the
// defaults). Like the other Set* methods it may only be called from the vm
// goroutine or when the vm is not running.
func (r *Runtime) SetLimits(l Limits) {
	r.guards.lim = l.resolve()
	r.guards.set = true
}

// Limits returns the allocation limits in force.
func (r *Runtime) Limits() Limits {
	return *r.guards.limits()
}

// SetMemoryMeter sets a function that the runtime calls with the size in
// bytes of an allocation whose size a script controls, before making it
// (the big ones: strings built by concatenation, repeat, padding, join,
// replace and JSON.stringify, dense arrays, argument lists, ArrayBuffers).
// The sizes are what is about to be allocated, not what is live: the meter
// sees allocation volume. When it returns an error the runtime stops the
// script the way Interrupt does: the error cannot be caught by the script,
// and the Go call that ran the script returns an *InterruptedError that
// unwraps to it. nil removes the meter.
//
// Small allocations that a script repeats without bound (objects and
// functions, properties, Map, Set and WeakMap entries, sparse array items;
// see charges.go) are charged a fixed estimate each; those charges are
// collected and reported together, at the latest every 1024 steps or
// every smallChargeBatch bytes, so the meter may hear of them up to that
// late. Charges made before a meter is set are not reported to it.
func (r *Runtime) SetMemoryMeter(meter func(n int64) error) {
	r.guards.meter = meter
	r.guards.pending = 0
}

// charge reports n bytes about to be allocated to the memory meter.
func (r *Runtime) charge(n int64) {
	if m := r.guards.meter; m != nil && n > 0 {
		if err := m(n); err != nil {
			r.meterFailed(err)
		}
	}
}

func (r *Runtime) meterFailed(err error) {
	// Set the interrupt flag too, so that nothing that swallowed the panic
	// below can go on running script code.
	r.vm.Interrupt(err)
	ex := &InterruptedError{iface: err}
	ex.stack = r.vm.captureStack(nil, 0)
	panic(ex)
}

// checkStringLen throws a RangeError when a string of n code units would be
// too long, and charges it to the memory meter (width bytes a code unit).
func (r *Runtime) checkStringLen(n int64, width int64) {
	if n > int64(r.guards.limits().MaxStringLen) || n < 0 {
		panic(r.newError(r.getRangeError(), fmt.Sprintf("Invalid string length: %d exceeds the limit of %d", n, r.guards.lim.MaxStringLen)))
	}
	r.charge(n * width)
}

// checkConcat checks the length of a+b before they are concatenated.
func (r *Runtime) checkConcat(a, b String) {
	n := int64(a.Length()) + int64(b.Length())
	if n < 64 && r.guards.meter == nil {
		return
	}
	var width int64 = 1
	if _, u := devirtualizeString(a); u != nil {
		width = 2
	} else if _, u := devirtualizeString(b); u != nil {
		width = 2
	}
	r.checkStringLen(n, width)
}

// checkArrayLen throws a RangeError when a dense array or value list of n
// elements would be too long, and charges it to the memory meter.
func (r *Runtime) checkArrayLen(n int64) {
	if n > int64(r.guards.limits().MaxArrayLen) || n < 0 {
		panic(r.newError(r.getRangeError(), fmt.Sprintf("Invalid array length: %d exceeds the limit of %d", n, r.guards.lim.MaxArrayLen)))
	}
	r.charge(n * valueSize)
}

// checkArgs throws a RangeError when an argument list of n values would be
// too long, and charges it to the memory meter.
func (r *Runtime) checkArgs(n int64) {
	if n > int64(r.guards.limits().MaxArgs) || n < 0 {
		panic(r.newError(r.getRangeError(), fmt.Sprintf("Too many arguments in function call: %d exceeds the limit of %d", n, r.guards.lim.MaxArgs)))
	}
	r.charge(n * valueSize)
}

// checkBufferLen throws a RangeError when an ArrayBuffer of n bytes would be
// too large, and charges it to the memory meter.
func (r *Runtime) checkBufferLen(n int64) {
	if n > int64(r.guards.limits().MaxBufferLen) {
		panic(r.newError(r.getRangeError(), fmt.Sprintf("Array buffer allocation failed: %d bytes exceeds the limit of %d", n, r.guards.lim.MaxBufferLen)))
	}
	r.charge(n)
}

// valueSize is the size of one Value (an interface) in a slice.
const valueSize = 16

// guardedBuilder returns a StringBuilder whose writes are checked against
// MaxStringLen and charged to the memory meter.
func (r *Runtime) guardedBuilder() StringBuilder {
	return StringBuilder{guard: r}
}

// builderChunk is how many code units a guarded StringBuilder writes between
// two checks: what it wrote is charged to the memory meter at the check, so
// up to this many are written and not yet charged.
const builderChunk = 4096

// checkGrow is called by a guarded StringBuilder about to write n more code
// units when the room granted by the previous check is used up (b.room has
// had n taken off already). It checks the length, charges what was written
// since the previous check, and grants room for the next writes.
func (b *StringBuilder) checkGrow(n int) {
	var width int64 = 1
	if !b.ascii() {
		width = 2
	}
	lim := b.guard.guards.limits().MaxStringLen
	l := b.Len() + n
	if l > lim {
		b.room += n
		b.guard.checkStringLen(int64(l), width)
	}
	b.guard.charge(int64(b.grant-b.room) * width)
	b.grant = min(lim-l, builderChunk)
	b.room = b.grant
}

// checkStringRepeat checks a string of l code units repeated n times.
func (r *Runtime) checkStringRepeat(l, n int64, width int64) {
	if l > 0 && n > int64(r.guards.limits().MaxStringLen)/l {
		panic(r.newError(r.getRangeError(), fmt.Sprintf("Invalid string length: %d repeated %d times exceeds the limit of %d", l, n, r.guards.lim.MaxStringLen)))
	}
	r.checkStringLen(l*n, width)
}

// checkGrow checks that the JSON.stringify output can grow by n more bytes
// and charges the growth since the last check to the memory meter.
func (ctx *_builtinJSON_stringifyContext) checkGrow(n int) {
	l := ctx.buf.Len() + n
	if l > ctx.r.guards.limits().MaxStringLen {
		ctx.r.checkStringLen(int64(l), 1)
	}
	if d := ctx.buf.Len() - ctx.charged; d >= 4096 {
		ctx.charged += d
		ctx.r.charge(int64(d))
	}
}

// checkQuote checks the output can take str quoted. Escaping can make a
// string up to six times longer; the exact length is counted only when that
// could matter.
func (ctx *_builtinJSON_stringifyContext) checkQuote(str String) {
	n := str.Length() + 2
	if ctx.buf.Len()+6*n <= ctx.r.guards.limits().MaxStringLen {
		ctx.checkGrow(n)
		return
	}
	q := 2
	for i := 0; i < str.Length(); i++ {
		switch c := str.CharAt(i); {
		case c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t':
			q += 2
		case c < 0x20 || utf16.IsSurrogate(rune(c)):
			q += 6
		default:
			q++
		}
	}
	ctx.checkGrow(q)
}

// checkArrayGrow checks a dense array growing to n elements and charges the
// new backing store of c elements to the memory meter.
func (r *Runtime) checkArrayGrow(n, c int) {
	if n > r.guards.limits().MaxArrayLen {
		r.checkArrayLen(int64(n))
	}
	r.charge(int64(c) * valueSize)
}

// appendValue appends v to a list of values drained from an iterator,
// checking the list's length and charging its growth.
func (r *Runtime) appendValue(values []Value, v Value) []Value {
	return append(r.growValues(values), v)
}

// growValues makes room for one more value in a list that a script makes
// grow one value at a time, checking its length and charging its growth.
func (r *Runtime) growValues(values []Value) []Value {
	n := len(values) + 1
	if n > r.guards.limits().MaxArrayLen {
		r.checkArrayLen(int64(n))
	}
	if n > cap(values) {
		c := growCap(n, len(values), cap(values))
		r.charge(int64(c) * valueSize)
		nv := make([]Value, len(values), c)
		copy(nv, values)
		return nv
	}
	return values
}

// checkCollateLen throws a RangeError when s is too long to collate.
func (r *Runtime) checkCollateLen(s String) {
	if n := s.Length(); n > r.guards.limits().MaxCollateLen {
		panic(r.newError(r.getRangeError(), fmt.Sprintf("localeCompare: a string of %d code units is longer than the limit of %d", n, r.guards.lim.MaxCollateLen)))
	}
}
