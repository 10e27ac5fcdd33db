package goja

// Fixed per-entry charges for the small allocations that a script can
// repeat without bound: each object, each property added to an object, each
// Map, Set, WeakMap and WeakSet entry, each item of a sparse array, each
// frame of an Error's stack trace. Each
// is one allocation too small to be worth a call to the memory meter, but a
// loop making millions of them grows the heap by gigabytes, so each is
// charged an estimate of the bytes it makes the Go heap allocate (measured
// on amd64 with Go 1.26, see charges_test.go), rounded up. The estimates
// count allocation volume, as the rest of the meter does: an object's
// property map doubling is counted in the per-property charge, which is why
// that charge is above the size of a live entry.
const (
	// objectCharge: an *Object, the object's implementation struct
	// (baseObject and what embeds it) and its empty property map. An
	// empty object literal allocates 200 bytes; functions, arrays and
	// arguments objects are bigger, but they also add properties (length,
	// name), charged below.
	objectCharge = 192

	// propertyCharge: a new own property of an ordinary object: its entry
	// in the property map (key and value, 32 bytes in a table that is
	// between seven sixteenths and seven eighths full, plus the tables left
	// behind by growing) and its name in the ordered key list (16 bytes in
	// a slice that grows by a quarter to a half). Measured: 210 bytes a
	// property on an object with 200,000, 133 a property on a literal with
	// three.
	propertyCharge = 160

	// mapEntryCharge: a new Map or Set entry, or a symbol-keyed property:
	// a mapEntry (key, value, three links: 56 bytes, 64 allocated) and its
	// hash table slot (8-byte key, 8-byte pointer, with growth). Measured:
	// 111 bytes an entry in a Map of 200,000.
	mapEntryCharge = 112

	// weakEntryCharge: a new WeakMap or WeakSet entry: the map slot of a
	// weak pointer and a value, the weak pointer's record and the cleanup
	// registered to remove the entry when its key is collected. Measured:
	// 142 bytes.
	weakEntryCharge = 144

	// sparseItemCharge: a new item of a sparse array (index and value, 24
	// bytes, in a slice that grows by a quarter when large: five times the
	// item over the slice's life). Measured: 146 bytes.
	sparseItemCharge = 128

	// stackFrameCharge: a frame of the stack trace an Error object keeps
	// (program, pc and function name).
	stackFrameCharge = 32
)

// smallChargeBatch is how many bytes of small charges are collected before
// they are reported to the meter at once (otherwise they are reported at
// the next slice of steps, see vm.nextSlice).
const smallChargeBatch = 64 << 10

// chargeSmall collects n bytes of a small fixed-size allocation for the
// memory meter. It is cheap enough for the paths that add a property.
func (r *Runtime) chargeSmall(n int64) {
	r.guards.pending += n
	if r.guards.pending >= smallChargeBatch {
		r.flushCharges()
	}
}

// flushCharges reports the collected small charges to the meter and stops
// the script if the meter refuses them.
func (r *Runtime) flushCharges() {
	n := r.guards.pending
	r.guards.pending = 0
	r.charge(n)
}

// flushChargesAtSlice reports the collected small charges between two
// slices of steps, where an error may not panic: it interrupts the VM and
// returns false instead.
func (r *Runtime) flushChargesAtSlice() bool {
	n := r.guards.pending
	r.guards.pending = 0
	if m := r.guards.meter; m != nil {
		if err := m(n); err != nil {
			r.vm.Interrupt(err)
			return false
		}
	}
	return true
}

// chargeCopy charges a string that a built-in copied out of a longer one
// (slice, substring, substr, trim, split pieces, regexp matches and
// captures) and returns it. A non-ASCII substring is a copy, two bytes a
// code unit; an ASCII one shares the bytes of the string it came from and
// costs nothing more.
func (r *Runtime) chargeCopy(v String) String {
	if u, ok := v.(unicodeString); ok {
		r.chargeSmall(2 * int64(len(u)))
	}
	return v
}
