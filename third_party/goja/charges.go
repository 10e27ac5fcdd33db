package goja

// Fixed per-entry charges for the small allocations by which a script grows
// a data structure without bound: properties added to an object, Map, Set,
// WeakMap and WeakSet entries, items of a sparse array, frames of an
// Error's stack trace. Each is one allocation too small to be worth a call
// to the memory meter, but a loop making millions of them grows the heap
// by gigabytes, so each is charged an estimate of the bytes it makes the Go
// heap allocate (measured on amd64 with Go 1.26, see charges_test.go). The
// estimates count allocation volume, as the rest of the meter does: an
// object's property map doubling is counted in the per-property charge,
// which is why that charge is above the size of a live entry.
//
// The first freeEntries entries of each object, Map, Set, WeakMap or
// sparse array, and the first freeFrames frames of a stack trace, are not
// charged, and neither is an object itself: the VM makes small objects
// that die at once all the time (an iterator result for every step of
// for-of or spread, promises and resolving functions for every await, an
// options bag for a call), and charging their volume would end ordinary
// loops of a few hundred thousand iterations at a 64 MiB budget, long
// before their steps or time. What grows is charged; small objects that a
// script keeps are charged through what keeps them (an array's slots, a
// property, a Map entry), which is less than they cost.
const (
	// freeEntries is how many entries of one structure are not charged.
	freeEntries = 8

	// freeFrames is how many frames of an Error's stack are not charged.
	freeFrames = 16

	// propertyCharge: a new own property of an ordinary object: its entry
	// in the property map (key and value, 32 bytes in a table that is
	// between seven sixteenths and seven eighths full, plus the tables left
	// behind by growing) and its name in the ordered key list (16 bytes in
	// a slice that grows by a quarter to a half). Measured: 226 bytes a
	// property on an object with 100,000.
	propertyCharge = 160

	// mapEntryCharge: a new Map or Set entry, or a symbol-keyed property:
	// a mapEntry (key, value, three links: 56 bytes, 64 allocated) and its
	// hash table slot (8-byte key, 8-byte pointer, with growth). Measured:
	// 127 bytes an entry in a Map of 100,000.
	mapEntryCharge = 112

	// weakEntryCharge: a new WeakMap or WeakSet entry: the map slot of a
	// weak pointer and a value, the weak pointer's record and the cleanup
	// registered to remove the entry when its key is collected. Measured:
	// 142 bytes.
	weakEntryCharge = 144

	// sparseItemCharge: a new item of a sparse array (index and value, 24
	// bytes, in a slice that grows by a quarter when large: five times the
	// item over the slice's life). Measured: 162 bytes.
	sparseItemCharge = 128

	// stackFrameCharge: a frame of the stack trace an Error object keeps
	// (program, pc and function name: 32 bytes).
	stackFrameCharge = 32
)

// smallChargeBatch is how many bytes of small charges are collected before
// they are reported to the meter at once (otherwise they are reported at
// the next slice of steps, see vm.nextSlice).
const smallChargeBatch = 64 << 10

// chargeEntry charges n bytes for a new entry of a structure that has
// have entries already, unless have is below freeEntries.
func (r *Runtime) chargeEntry(have int, n int64) {
	if have >= freeEntries {
		r.chargeSmall(n)
	}
}

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
