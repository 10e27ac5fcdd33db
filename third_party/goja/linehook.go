package goja

import (
	"sort"
	"sync/atomic"
)

// A line hook for coverage and tracing tools.
//
// When a hook is set, runTryInner runs runLines instead of run: a loop
// that calls the hook each time the instruction about to run is on another
// source line than the one before it in the same loop. Without a hook run
// is unchanged and runTryInner pays one check when it is entered, so the
// hook costs nothing unless it is set.

// LineHook is called with the name of the source and the 1-based line of
// the instruction about to run, whenever the line changes.
type LineHook func(source string, line int)

// SetLineHook sets (or, with nil, removes) the runtime's line hook. Steps
// still count against the step meter; the sampling profiler does not see a
// runtime that has a line hook.
func (r *Runtime) SetLineHook(fn LineHook) {
	r.vm.lineHook = fn
}

// runLines is run with the line hook.
func (vm *vm) runLines() {
	hook := vm.lineHook
	var (
		prg          *Program
		lo, hi       int  // the pcs of prg's current source map item
		mapped       bool // whether that item has a position
		srcPos, line = -1, -1
	)
	interrupted := false
	for {
		if interrupted = atomic.LoadUint32(&vm.interrupted) != 0; interrupted {
			break
		}
		pc := vm.pc
		if pc < 0 {
			break
		}
		code := vm.prg.code
		if pc >= len(code) {
			break
		}
		if vm.prg != prg || pc < lo || pc >= hi {
			if vm.prg != prg {
				prg, srcPos, line = vm.prg, -1, -1
			}
			var pos int
			lo, hi, pos, mapped = prg.srcMapItem(pc)
			if mapped && pos != srcPos && prg.src != nil {
				srcPos = pos
				if p := prg.src.Position(pos); p.Line != line {
					line = p.Line
					hook(p.Filename, line)
				}
			}
		}
		if vm.stepsLeft <= 0 && !vm.nextSlice() {
			interrupted = true
			break
		}
		vm.stepsLeft--
		code[pc].exec(vm)
	}

	if interrupted {
		panic(vm.interruptedError())
	}
}

// srcMapItem returns the range of pcs [lo, hi) of the source map item that
// pc is in, and its source offset; ok is false for the instructions before
// the first item, which have no position, and for a function's prologue
// (which is at the function's own position: a called function's first
// line counts as run only when a statement on it runs).
func (p *Program) srcMapItem(pc int) (lo, hi, srcPos int, ok bool) {
	i := sort.Search(len(p.srcMap), func(idx int) bool {
		return p.srcMap[idx].pc > pc
	}) - 1
	hi = len(p.code)
	if i+1 < len(p.srcMap) {
		hi = p.srcMap[i+1].pc
	}
	if i < 0 {
		return 0, hi, 0, false
	}
	return p.srcMap[i].pc, hi, p.srcMap[i].srcPos, i > 0 || !p.entry
}
