// Package hostile holds the hostile suite: scripts written the way an
// attacker would write them, each of which must end with the error kind its
// header names, within its time bound, without taking the host down.
//
// The cases live in testdata/hostile/js and testdata/hostile/lua, one file a
// case. The header (leading comment lines) says what the case attacks and
// what must happen:
//
//	// attacks: sparse Array.prototype.lastIndexOf over length 2**32-1
//	// ### limit "steps"|"timeout"|"cpu"
//	// budget: timeout=1s memory=64MiB
//	// bound: 3s
//
// The "###" line is the expected outcome: `limit "name"` (several names
// joined by | when the one that trips first legitimately depends on the
// machine), `runtime`, `compile`, `denied "capability"`, or alternatives
// joined by | (`runtime | limit "memory"`), or `ok JSON` for a run that must
// succeed with that value. A memory limit tripped by the process heap
// ceiling rather than by the run's own budget does not count as
// `limit "memory"`: the run's budget must stop it. An error message that
// shows Go or interpreter internals ("runtime error:", "registry overflow",
// ...) fails the case whatever its kind. `budget` sets fields of
// limits.Budget (defaults: timeout=1s memory=64MiB, the rest
// limits.Default()); `bound` is the wall time from the start of the run to
// its error (default 3s); `policy` names a policy file in testdata/hostile
// (default: none, so every host call is denied); `input` is the run's input
// as JSON. `process` adds outcomes that also pass in process isolation
// (below), where the worker's OS memory cap counts all the memory a run
// really uses (Go stacks and interpreter structures the in-process meter
// does not charge), so a case that really grows past its budget may end
// as `limit "memory"` there.
//
// TestHostile runs every case in its own subprocess (the test binary run
// again), at most two at a time, so a Go fatal error, a stack overflow or an
// out-of-memory kill is a failure of that case and not of the test. In the
// subprocess the case runs on an engine.Host with the js and lua backends
// and the kv and crypto modules, under an address-space rlimit and
// GOMEMLIMIT; then the same host must answer `return 1+1`, and the process
// must not keep burning CPU (work left running after the run returned).
//
// With SCRIPTRUN_HOSTILE_ISOLATION=process the host in the subprocess runs
// every case in a worker process (the test binary again, in the worker
// role), and testdata/hostile/KNOWN_FAILURES.process is the list of that
// mode. .ci/run runs the suite in both modes.
//
// testdata/hostile/KNOWN_FAILURES lists the cases that fail on the current
// code, one a line with what happens today. A listed case that passes, an
// unlisted case that fails and a listed name with no case are all test
// failures, so the list cannot go stale.
//
// The suite takes minutes, so it runs only when SCRIPTRUN_HOSTILE=1 is set
// (.ci/run sets it); TestCases, which checks every header and the list,
// always runs. This package has no code of its own.
package hostile
