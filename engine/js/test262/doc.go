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
// tracks), upstream fails and the host passes. For the third class,
// further runs of the host's exact source on raw goja, as the body of a
// function ("mirror"), tell design from fault:
//
//   - refused by design: the $262 hooks that need Go (detachArrayBuffer,
//     evalScript; seen in the run's log), the with statement (the host's
//     compile error), a script being a function body (the plain mirror
//     fails too: top-level var bindings are locals, top-level this,
//     return, directive placement, hashbang), code generation from strings
//     (the mirror fails with the host's lockdown, on raw goja the script
//     in package lockdown whose Function and eval are stubs that refuse to
//     generate code, as the host's natively refusing ones do, and still
//     fails with the comparison's own refusing stubs);
//   - names Function or eval: the test passes with the comparison's
//     refusing stubs but not with the host's lockdown (near empty since
//     the host keeps Function and eval as functions that refuse);
//   - host faults: everything else, grouped for the report by what the
//     run showed (a probe logs when the body lost its "use strict",
//     internal and limit errors, invalid syntax accepted, messages about
//     length, conversions or aliases) with examples.
//
// Two harness adaptations are not refusals: fnGlobalObject.js uses
// globalThis instead of Function("return this")(), and sta.js logs each
// Test262Error's message (the host shows a thrown non-Error object as
// [object Object]; the log gives the report its message).
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
