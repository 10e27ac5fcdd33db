package goja

// rejection is the exception that last rejected a promise.
type rejection struct {
	val   Value
	stack []StackFrame
}

// noteRejection records that ex, uncaught in an async function or a
// promise reaction, rejects a promise. The same value rejecting the
// promises of the callers that await it keeps the first record: where it
// was thrown.
func (r *Runtime) noteRejection(ex *Exception) {
	if ex == nil || ex.val == nil {
		return
	}
	if r.rejected.val != nil && r.rejected.val.SameAs(ex.val) {
		return
	}
	r.rejected = rejection{val: ex.val, stack: ex.stack}
}

// RejectionStack returns the call stack, innermost frame first, where
// reason was thrown if it is the value of the exception that last
// rejected a promise (thrown and not caught in an async function or a
// promise reaction), or nil. A host that finds a rejected promise, where
// no Exception carries a stack, can then say where a value that is not an
// Error object (throw {code: 42}, throw "x") was thrown, also after an
// await.
func (r *Runtime) RejectionStack(reason Value) []StackFrame {
	if reason == nil || r.rejected.val == nil || !r.rejected.val.SameAs(reason) {
		return nil
	}
	return r.rejected.stack
}
