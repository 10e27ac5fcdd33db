package lua

// OnThreadError sets a function that is called when an error ends a
// coroutine, with the coroutine and the error value, before the coroutine's
// frames are unwound: GetStack and GetInfo on co still see where the error
// was raised (once resume returns, they no longer do). It is not called
// for a halt (see Interrupt). fn must not raise an error or call into Lua.
func (ls *LState) OnThreadError(fn func(co *LState, err LValue)) {
	ls.G.threadErrorHook = fn
}
