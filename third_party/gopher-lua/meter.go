package lua

import (
	"fmt"
	"math"
	"runtime/debug"
	"sync/atomic"
)

// An instruction budget for the VM.
//
// The metered loop (mainLoopMetered, and mainLoopWithContext when a context
// is set too) counts one step per VM instruction with a countdown held in
// Global, so coroutines share it. When the countdown runs out the cold path
// (meterTick) folds the window into the exact count, polls the interrupt
// flag, and asks
// the StepMeter for the next grant once the last one is used up. Native
// library loops whose length a script controls charge steps through
// ChargeSteps, which takes the same path.
//
// A halt (a StepMeter error, Interrupt) is raised as an
// *ApiError whose Cause is the halt error. It cannot be caught: pcall,
// xpcall and coroutine.resume raise it again, PCall does not run an error
// handler for it, and every following instruction raises it too.

// StepMeter is called when the VM has used the steps granted so far. steps
// is how many steps ran since the previous call (the VM has already started
// the last of them). It returns how many more steps the VM may run, or an
// error that halts the VM.
type StepMeter func(steps int64) (grant int64, err error)

// MeterCheckEvery is the most steps the metered loop runs between two polls
// of the interrupt flag and the context, whatever the grant.
const MeterCheckEvery = 1024

// maxCharge bounds one ChargeSteps call, so that the count cannot overflow.
const maxCharge = 1 << 40

type meter struct {
	left     int64 // countdown of the current window; the hot field
	win      int64 // size of the current window
	base     int64 // steps counted before the current window
	granted  int64 // steps the VM may run in all (math.MaxInt64: no limit)
	reported int64 // steps already reported to fn
	fn       StepMeter
	metered  bool // new threads run the metered loop
	intr     atomic.Pointer[error]
	halt     error
	overflow func() error
	onHalt   func(*LState)
	mem      MemoryMeter
}

func (m *meter) init() {
	m.granted = math.MaxInt64
	m.win, m.left = MeterCheckEvery, MeterCheckEvery
}

// steps returns the exact count.
func (m *meter) steps() int64 { return m.base + m.win - m.left }

// SetStepMeter makes this state, and every thread created from it
// afterwards, run the metered loop, and calls fn whenever the steps granted
// so far are used up. A nil fn counts steps and polls Interrupt without a
// limit. The count goes on from where it is.
func (ls *LState) SetStepMeter(fn StepMeter) {
	m := &ls.G.meter
	m.base = m.steps()
	m.win, m.left = 0, 0
	m.reported = m.base
	m.fn = fn
	m.metered = true
	if fn == nil {
		m.granted = math.MaxInt64
	} else {
		m.granted = m.base
	}
	ls.mainLoop = ls.pickMainLoop()
}

// Steps returns the exact number of steps counted so far (VM instructions
// plus what native functions charged), shared by all threads of the state.
func (ls *LState) Steps() int64 { return ls.G.meter.steps() }

// Interrupt halts the VM with err (which must be non-nil) at its next poll:
// within MeterCheckEvery steps in the metered loop and in metered native
// loops. It is the one method of LState that is safe to call from any
// goroutine. The first interrupt wins.
func (ls *LState) Interrupt(err error) {
	ls.G.meter.intr.CompareAndSwap(nil, &err)
}

// Halted returns the error that halted the VM, or nil.
func (ls *LState) Halted() error { return ls.G.meter.halt }

// ChargeSteps charges n steps for work done in native code (a library loop
// whose length the script controls) and halts the VM when the budget is
// used up or an interrupt is pending. It is cheap enough to call once per
// iteration.
func (ls *LState) ChargeSteps(n int) {
	m := &ls.G.meter
	if n > maxCharge {
		n = maxCharge
	}
	m.left -= int64(n)
	if m.left < 0 {
		ls.meterTick()
	}
}

// CheckHalt raises the halt again when the VM is halted. Functions that
// catch errors (pcall, xpcall, coroutine.resume) call it after a failure so
// that the halt goes on unwinding.
func (ls *LState) CheckHalt() {
	if ls.G.meter.halt != nil {
		ls.raiseHalt()
	}
}

// meterTick is the cold path of the countdown.
//
//go:noinline
func (ls *LState) meterTick() {
	m := &ls.G.meter
	if m.halt != nil {
		ls.raiseHalt()
	}
	m.base += m.win - m.left
	m.win, m.left = 0, 0
	if p := m.intr.Load(); p != nil {
		ls.haltWith(*p)
	}
	if m.base > m.granted {
		grant, err := m.fn(m.base - m.reported)
		m.reported = m.base
		if err != nil {
			ls.haltWith(err)
		}
		if grant < 0 {
			grant = 0
		}
		m.granted = m.base + grant
		if m.granted < m.base { // overflow
			m.granted = math.MaxInt64
		}
	}
	w := m.granted - m.base
	if w > MeterCheckEvery {
		w = MeterCheckEvery
	}
	m.win, m.left = w, w
}

func (ls *LState) haltWith(err error) {
	m := &ls.G.meter
	if m.halt == nil {
		m.halt = err
		if m.onHalt != nil {
			m.onHalt(ls)
		}
	}
	ls.raiseHalt()
}

// raiseHalt raises the halt error. The countdown stays at zero, so every
// following instruction comes back here.
func (ls *LState) raiseHalt() {
	m := &ls.G.meter
	m.win, m.left = 0, 0
	panic(&ApiError{Type: ApiErrorRun, Object: LString(m.halt.Error()), Cause: m.halt})
}

// Halt halts the VM with err now: it raises err as Halted, and pcall,
// xpcall and coroutines cannot catch it. For Go functions that detect a
// reason to stop the run themselves. Only on the goroutine running the
// state; from elsewhere use Interrupt.
func (ls *LState) Halt(err error) { ls.haltWith(err) }

// OnHalt sets a function called once, when the VM halts, on the thread
// that halts and before its stack unwinds (PCall runs no error handler for
// a halt), for example to record where the script was.
func (ls *LState) OnHalt(fn func(L *LState)) { ls.G.meter.onHalt = fn }

// OnStackOverflow sets a function called when a Lua call finds the call
// stack full. When it returns an error the VM halts with it; when it returns
// nil (or no function is set) the overflow is the catchable error "stack
// overflow", as in Lua.
func (ls *LState) OnStackOverflow(fn func() error) { ls.G.meter.overflow = fn }

func (ls *LState) stackOverflow() {
	if fn := ls.G.meter.overflow; fn != nil {
		if err := fn(); err != nil {
			ls.haltWith(err)
		}
	}
	ls.RaiseError("stack overflow")
}

// MemoryMeter is charged n bytes before the VM allocates them for script
// data (strings built by concatenation and the string and table libraries,
// table array and hash growth). It returns an error to halt the VM.
type MemoryMeter func(n int64) error

// MaxStringLen is the longest string the VM and the string and table
// libraries build; longer is the catchable error "string length overflow".
// One script-controlled number (string.rep's count, a concatenation in a
// doubling loop) would otherwise become one allocation of any size.
const MaxStringLen = 1 << 28

// Charges per unit of native work, in steps: one per element a library loop
// visits (table slots, match attempts, sort comparisons) and one per
// bytesPerStep bytes it copies.
const bytesPerStep = 64

// Approximate sizes charged for table growth.
const (
	arraySlotBytes = 16 // one LValue
	// A string key costs an entry in strdict and in k2i and a slot in keys:
	// 153 bytes a key (with a 7-byte key string) measured with
	// runtime.MemStats over 200,000 keys.
	hashSlotBytes = 144
	tableBytes    = 96 // an empty LTable
	stringBytes   = 16 // the string header an LString value boxes
)

// SetMemoryMeter sets the function charged for allocations that grow with
// script data. A nil fn charges nothing.
func (ls *LState) SetMemoryMeter(fn MemoryMeter) { ls.G.meter.mem = fn }

// ChargeMemory charges n bytes to the memory meter and halts the VM when it
// returns an error.
func (ls *LState) ChargeMemory(n int) {
	if fn := ls.G.meter.mem; fn != nil && n > 0 {
		if n > maxCharge { // a meter adding it up must not overflow
			n = maxCharge
		}
		if err := fn(int64(n)); err != nil {
			ls.haltWith(err)
		}
	}
}

// ChargeString is called before a string of n bytes is built: it charges
// the memory meter (so a run whose memory budget is the reason halts with
// the meter's error), raises "string length overflow" above MaxStringLen,
// and charges steps for the copy.
func (ls *LState) ChargeString(n int) {
	if n < 0 || n > maxCharge {
		n = maxCharge // an overflowed size; ChargeMemory caps here too
	}
	ls.ChargeMemory(n + stringBytes)
	if n > MaxStringLen {
		ls.RaiseError("string length overflow")
	}
	ls.ChargeSteps(n / bytesPerStep)
}

// checkResults raises msg unless n more values fit on the registry. Library
// functions that push a script-chosen number of values (unpack,
// string.byte) call it first, so a huge count is a Lua error and not a
// registry overflow deep inside the push loop.
func (ls *LState) checkResults(n int, msg string) {
	room := max(cap(ls.reg.array), ls.reg.maxSize) - ls.reg.Top() - 8
	if n < 0 || n > room {
		ls.RaiseError("%s", msg)
	}
	ls.ChargeSteps(n)
}

// chargeNewKey charges a new key of a table: an array slot for an integer
// key, a hash entry for any other.
func (ls *LState) chargeNewKey(key LValue) {
	if n, ok := key.(LNumber); ok && isArrayKey(n) {
		ls.ChargeMemory(arraySlotBytes)
		return
	}
	ls.ChargeMemory(hashSlotBytes)
}

// GoPanicError is the halt of a metered state in which Go code panicked (a
// fault of gopher-lua or of a Go function it called, not a Lua error): no
// pcall, xpcall or coroutine may catch it, and its text never becomes a Lua
// value a script could read.
type GoPanicError struct {
	Value any    // what was passed to panic
	Stack []byte // the Go stack where it was recovered
}

func (e *GoPanicError) Error() string { return fmt.Sprintf("go panic: %v", e.Value) }

// haltOnGoPanic records rcv, a Go panic recovered inside the VM, as the
// halt of a metered state (the first halt wins); an unmetered state keeps
// upstream's behaviour.
func (ls *LState) haltOnGoPanic(rcv any) {
	m := &ls.G.meter
	if !m.metered || m.halt != nil {
		return
	}
	m.halt = &GoPanicError{Value: rcv, Stack: debug.Stack()}
	m.win, m.left = 0, 0
	if m.onHalt != nil {
		m.onHalt(ls)
	}
}
