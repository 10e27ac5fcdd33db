package lua

// A line hook for coverage and tracing tools.
//
// When a hook is set, the state and the threads created from it run
// mainLoopLines, which calls the hook each time the instruction about to
// run is on another source line than the one before it in the same loop.
// Without a hook the other loops run unchanged: the hook costs nothing
// unless it is set.

// LineHook is called with the function prototype, the index in
// proto.Code and the 1-based source line of the instruction about to run,
// whenever the line changes. (The last instruction of every prototype is
// the return the compiler adds; the main chunk's is on the line after its
// last statement, a function's on the line of its "end".)
type LineHook func(proto *FunctionProto, pc, line int)

// SetLineHook sets (or, with nil, removes) the line hook of this state and
// of the threads created from it afterwards. Instructions still count
// against the step meter, and a context set with SetContext is still
// polled.
func (ls *LState) SetLineHook(fn LineHook) {
	ls.G.lineHook = fn
	ls.mainLoop = ls.pickMainLoop()
}

// pickMainLoop returns the run loop for this state's settings.
func (ls *LState) pickMainLoop() func(*LState, *callFrame) {
	switch {
	case ls.G.lineHook != nil:
		return mainLoopLines
	case ls.ctx != nil:
		return mainLoopWithContext
	case ls.G.meter.metered:
		return mainLoopMetered
	}
	return mainLoop
}

// mainLoopLines is mainLoopMetered with the line hook (and the context, if
// any).
func mainLoopLines(L *LState, baseframe *callFrame) {
	var inst uint32
	var cf *callFrame

	if L.stack.IsEmpty() {
		return
	}

	L.currentFrame = L.stack.Last()
	if L.currentFrame.Fn.IsG {
		callGFunction(L, false)
		return
	}

	m := &L.G.meter
	hook := L.G.lineHook
	var lastProto *FunctionProto
	lastLine := -1
	for {
		cf = L.currentFrame
		proto := cf.Fn.Proto
		if pc := cf.Pc; pc < len(proto.DbgSourcePositions) {
			if line := proto.DbgSourcePositions[pc]; line != lastLine || proto != lastProto {
				lastProto, lastLine = proto, line
				hook(proto, pc, line)
			}
		}
		inst = proto.Code[cf.Pc]
		cf.Pc++
		if L.ctx != nil {
			select {
			case <-L.ctx.Done():
				L.RaiseError("%s", L.ctx.Err().Error())
				return
			default:
			}
		}
		m.left--
		if m.left < 0 {
			L.meterTick()
		}
		if jumpTable[int(inst>>26)](L, inst, baseframe) == 1 {
			return
		}
	}
}
