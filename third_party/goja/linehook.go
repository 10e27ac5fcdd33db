package goja

import "sync/atomic"

// A line hook for coverage and tracing tools.
//
// When a hook is set, runTryInner runs runLines instead of run: a loop
// that calls the hook each time the instruction about to run is on another
// source line than the one before it in the same loop (a table of lines
// per program, made on first use, makes that one load and compare). Without a hook run
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
	r.vm.lineTables = nil
}

// runLines is run with the line hook.
func (vm *vm) runLines() {
	hook := vm.lineHook
	var (
		prg   *Program
		lines []int32 // prg's line table
		name  string  // prg's source name
		line  = int32(-1)
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
		if vm.prg != prg {
			prg, line = vm.prg, -1
			lines, name = vm.lineTable(prg), ""
			if prg.src != nil {
				name = prg.src.Name()
			}
		}
		if l := lines[pc]; l > 0 && l != line {
			line = l
			hook(name, int(l))
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

// lineTable returns the source line of each instruction of p (0 for
// instructions without a position), made on first use in this runtime.
// The instructions before p's first source map item have no position, nor
// has a function's prologue (which is at the function's own position: a
// called function's first line counts as run only when a statement on it
// runs).
func (vm *vm) lineTable(p *Program) []int32 {
	if t, ok := vm.lineTables[p]; ok {
		return t
	}
	t := make([]int32, len(p.code))
	if p.src != nil {
		for k, item := range p.srcMap {
			if k == 0 && p.entry {
				continue
			}
			end := len(p.code)
			if k+1 < len(p.srcMap) {
				end = min(p.srcMap[k+1].pc, end)
			}
			if item.pc >= end {
				continue
			}
			l := int32(p.src.Position(item.srcPos).Line)
			for pc := item.pc; pc < end; pc++ {
				t[pc] = l
			}
		}
	}
	if vm.lineTables == nil {
		vm.lineTables = map[*Program][]int32{}
	}
	vm.lineTables[p] = t
	return t
}
