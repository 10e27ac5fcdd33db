// Package recording records a run (`scriptrun run --record FILE`) and
// replays it (`scriptrun replay FILE`, a script suite's `recording:`
// case): the same value or error, the same decisions and the same step
// count, without calling the real modules, or the first place where a
// changed script or policy goes another way.
//
// # Recording
//
// A Recorder is the run's engine.Observer and its clock:
//
//	rec, _ := recording.NewRecorder(recording.Options{Registry: reg, Input: input, Source: &src})
//	opts.Observer, opts.Now = rec, rec.Clock(nil)
//	res, err := host.Run(ctx, script, opts)
//	r, _ := rec.Recording()
//	recording.WriteFile("run.json", r)
//
// A Recording holds the script (name, lang, sha256 and, when given, its
// source), the policy (name and, when given, its file), the identity, the
// input, the budget in force, the seed (Result.Seed), every clock read
// with the number of host calls made before it, every host call that
// reached the policy in order (capability, args, the policy's view of the
// args where the function has one, decision and rule, result or error as
// the script saw it, and the further uses the function asked the policy
// about), the run's log, its outcome and usage. It records failed runs
// too: those are the ones worth replaying.
//
// Secrets. A param marked bridge.Param.Secret is recorded as
// {"$redacted": true}; a function the registry does not know has all its
// args redacted. What the policy sees (bridge.Func.PolicyArgs; for
// bridge/http the URL, method, header names and body size) is recorded as
// it is, so a replay can still tell a request to another URL. Results are
// recorded whole: they are what the script saw.
//
// The recorder keeps at most Options.MaxBytes (64 MiB); past that the
// recording is marked Incomplete, records only the outcome, and cannot be
// replayed. So a script that reads the clock in a loop or makes a million
// calls costs the host a bounded amount of memory.
//
// # Format
//
// JSON, version 1 (Version), written atomically by WriteFile. Values are
// JSON as the bridge value model is; bytes are {"$bytes": base64}, a
// string that is not valid UTF-8 {"$string": base64}, a map with a key
// starting with "$" {"$map": {...}}. Read refuses, with the file's
// line:col or the field's path: a file over its size bound (before
// parsing it), JSON that is truncated or malformed, another version,
// unknown fields, values outside the model or nested deeper than 65
// levels, an outcome that is neither ok nor an error, clock reads out of
// order.
//
// # Replay
//
// Replay runs the script with the recorded input, seed, clock, identity
// and budget. The policy decides every call as it did (RunOptions.Answer
// only answers allowed calls); each allowed call is answered with its
// recorded result or error, after its further uses are asked of the
// policy again with their recorded args (so denials, host-call counts and
// usage.calls come out the same). Modules named in ReplayOptions.Live run
// for real: by default `log`, whose only effect is the run's own log and
// log budget.
//
// The clock: each read gets the next recorded time read between the same
// two host calls; a replay that reads more gets the last time again.
// Reads a host function made in the recorded run are skipped with the
// call.
//
// The report's Divergence is the first difference in run order: a host
// call whose capability, args (a redacted arg matches any value that is
// present), the policy's view of the args, decision or rule differs; a
// call the recording lacks; a further use that differs; fewer calls than
// recorded; then the outcome, value or error (kind, limit, capability,
// rule, message, position), the step count and the log. The run stops at a
// call that diverges: nothing recorded can answer it. A script whose
// sha256 differs is replayed all the same, with a note: that is how a fix
// is tested against a recorded production run.
//
// Not reproduced: outcomes that depend on the machine (the cpu budget, the
// wall time, memory as the OS measures a worker process), except that a
// call cut short by the run's timeout waits for the replay's own timeout
// and a call that charged memory or log bytes past the budget charges them
// again; and a run interrupted by its caller, which a replay runs on.
package recording
