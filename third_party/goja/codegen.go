package goja

// Code generation from strings.
//
// eval and the Function, AsyncFunction and GeneratorFunction constructors
// compile source text while a script runs. An embedder that runs untrusted
// code from a fixed set of programs may want to refuse that, the way V8's
// AllowCodeGenerationFromStrings(false) and a Content-Security-Policy
// without 'unsafe-eval' do. Replacing the functions from script (deleting
// eval, overwriting Function.prototype.constructor) has to find every route
// to them, costs a script's worth of work in every new runtime and changes
// what the functions look like; a flag checked where the compiler is
// reached covers every route at no cost.

// AllowCodeGenerationFromStrings sets whether eval (direct and indirect)
// and the Function, AsyncFunction and GeneratorFunction constructors may
// compile code (the default is true). When they may not, calling or
// constructing any of them throws a TypeError before it looks at its
// arguments. The functions themselves stay where they are, with their
// names, lengths and prototypes, so code that only refers to them (for
// example Function.prototype.call.bind) still works. Go calls such as
// RunString and RunProgram are not affected. Like the other Set* methods it
// may only be called from the vm goroutine or when the vm is not running.
func (r *Runtime) AllowCodeGenerationFromStrings(allow bool) {
	r.noCodeGen = !allow
}

// checkCodeGeneration throws when code generation from strings is refused.
func (r *Runtime) checkCodeGeneration() {
	if r.noCodeGen {
		panic(r.NewTypeError("code generation from strings is not allowed"))
	}
}
