// Package js is the JavaScript backend of scriptrun, on the patched copy of
// github.com/dop251/goja in third_party/goja (the patches are listed in
// RATIONALE.md). Register it with engine.NewHost:
//
//	h, err := engine.NewHost(engine.Config{Backends: []engine.Backend{js.New()}})
//	s, err := h.Compile(engine.Source{Name: "transform.js", Lang: "js", Code: src})
//	res, err := h.Run(ctx, s, engine.RunOptions{Input: in, Policy: pol})
//
// # The script
//
// The script is the body of a function, opened on its first line
// ("(function(){" + source + "\n})", wrap.go), so a top-level `return v`
// gives the run's result and a leading "use strict" is the body's
// directive. Nothing is inserted into the source: steps are counted by the
// VM. When the script uses top-level await the body is an async function,
// and a returned promise is settled (its jobs run under the same budgets)
// before the run ends. The `with` statement is refused at compile time.
//
// The script sees `input` (a deep copy of the run's input), `host`
// (host.kv.get(...) calls capability kv.get through the policy), `console`
// (log, info, warn, error, debug: one line of the run's log each,
// arguments joined by spaces, non-strings as JSON), ECMAScript's
// built-ins, and without any capability (stdlib.go): `script`, its
// identity as a frozen object, and atob, btoa, TextEncoder, TextDecoder,
// URL and URLSearchParams (URL parsed by internal/urlx, the policy's url()
// parser). Those live on a goja DynamicObject set as the global object's
// prototype, whose values are made the first time a name is looked up;
// their work charges steps (one per 64 code units) and memory like the
// patched built-ins. There is no require, no timers and no code generation from
// strings: eval and the Function, AsyncFunction and GeneratorFunction
// constructors, however reached, throw a TypeError when called or
// constructed (goja's AllowCodeGenerationFromStrings(false), patch 0060);
// they stay the original functions, so code that only names them works.
// host and console are ordinary objects whose functions goja makes the
// first time the script looks at them (NewLazyObject, patch 0062). Date
// uses the run's clock and UTC as local time; Math.random uses the run's
// seed.
//
// # Budgets
//
// Every budget is enforced inside the patched goja, one mechanism per
// concern, set on each run's runtime in setup:
//
//   - Steps are VM instructions, counted by a countdown in goja's run loop
//     and charged to engine.Meter.AddSteps in grants of 64Ki (never more
//     than what is left, so the count is exact and deterministic). Built-in
//     loops whose length a script controls (array, typed-array, string,
//     Object, JSON, iterator, apply-list, sort, regexp match loops) charge
//     one step per iteration and poll the interrupt every 1024.
//   - Wall time, CPU, cancellation and every other stop: the run's context
//     (engine.Backend.Run) interrupts the VM; goja does not let try, catch,
//     finally or promise jobs see an interrupt.
//   - Memory: goja charges engine.Meter.AddMemory before it allocates a
//     string, dense array, argument list or buffer whose size the script
//     controls; an error stops the script. One allocation is also capped
//     (goja.DefaultLimits: strings 2^27 code units, arrays 2^24 elements,
//     65535 arguments, buffers 256 MiB); above a cap the script gets a
//     RangeError it may catch.
//   - Stack depth: script frames (SetMaxCallStackSize) and Go calls from
//     one built-in into another, JSON and flat recursion (SetMaxNativeDepth)
//     share the stackDepth budget. Overflow is a RangeError the script may
//     catch; uncaught, the run ends with the stackDepth limit.
//   - Regular expressions: a backtracking match may take what is left of
//     the wall budget (a bound that fires is the timeout limit, never "no
//     match"); patterns are bounded in size and group nesting before they
//     compile.
//   - Source nesting: goja's parser bounds its own depth (CompileLimits.
//     MaxNesting), so deep source is a compile error, not a Go stack
//     overflow.
//
// # Values
//
// Values cross as copies (values.go, bridge): null and undefined are null,
// numbers are int64 when whole and within ±2^53 and float64 otherwise,
// strings, booleans, arrays are lists, plain objects are maps (own
// enumerable string keys), Uint8Array is bytes. Functions, symbols,
// BigInt, cycles, NaN and infinities are errors naming the path. A getter
// or proxy trap that throws while a value is read is an argument error, not
// a way out of the run.
//
// # Isolation
//
// Every run gets a fresh goja.Runtime that is never used again, so
// globals and prototypes a script changed never reach another run. goja
// makes its built-ins on first use, so a fresh runtime costs about 2 µs
// and is made on the spot; a trivial run costs about 15 µs of CPU end to
// end (BenchmarkTrivial), against about 4 µs for a bare goja.New and
// RunProgram.
//
// # Errors
//
// Errors are *engine.Error (errors.go is the one place that translates
// goja's): the kind comes from the watchdog's recorded cause when the run
// was stopped, never from message text; positions (line and column) are in
// the script's own coordinates; stacks hold the script's frames only.
package js
