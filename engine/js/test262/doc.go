// Package test262 measures the JavaScript host's language fidelity with
// the ECMAScript conformance suite (tc39/test262), which nobody here wrote.
// It holds only tests; this file is its manual.
//
// TestHostComparison runs, for every test262 file that upstream goja's own
// tc39 runner would run (its skip list, skipped prefixes and excluded
// features are read from third_party/goja/tc39_test.go, so they cannot
// drift), each variant the file's flags ask for (non-strict, strict):
//
//   - on raw upstream github.com/dop251/goja, the way goja's runner does it:
//     the harness (assert.js, sta.js, doneprintHandle.js for async tests,
//     the frontmatter's includes) as separate scripts, then the test as a
//     script, "use strict" prepended for the strict variant;
//   - through the scriptrun host (engine.NewHost with js.New(), Compile and
//     Run), as one script: a small prelude that gives the harness what a
//     host normally provides (print, $262, IgnorableTestError), the harness
//     and the test, "use strict" first for the strict variant. The budget
//     is generous so that budgets do not decide outcomes.
//
// A file passes when all its variants pass. Each file is classified: both
// pass, both fail, upstream passes and the host fails (the figure issue 6
// tracks), upstream fails and the host passes. For the third class a
// further run tells design from fault: the host's exact source, as the body
// of a function, on raw goja ("mirror"). When the mirror fails too, the
// host fails because a script is a function body (top-level var bindings
// are locals, top-level this, return, directive placement): refused by
// design. The other refusals by design are recognised by the host's own
// error: code generation from strings (eval, the Function constructor and
// the constructors reachable from function prototypes), the with
// statement, and $262 hooks that need Go (detachArrayBuffer, evalScript).
// Everything else is a host fault, grouped by cause with examples.
//
// The test is skipped unless SCRIPTRUN_TEST262 names a test262 checkout
// (tc39/test262 at the commit third_party/goja/.tc39_test262_checkout.sh
// names). Other variables:
//
//	SCRIPTRUN_TEST262_REPORT   where to write the JSON report (default: a file in the temp dir)
//	SCRIPTRUN_TEST262_FILTER   only files whose path starts with this (e.g. test/language/statements/for)
//	SCRIPTRUN_TEST262_JOBS     parallel workers (default GOMAXPROCS)
//
// scripts/test262 runs it together with goja's own tc39 runner on the
// patched and the pristine copy; see the README's Testing section.
package test262
