// Package engine compiles and runs untrusted scripts: the backend-neutral
// core of scriptrun. It wires the script backends (engine/js, engine/lua),
// the host modules (bridge), the capability policy (policy) and the budgets
// (limits) together.
//
// # Host, Script, Run
//
// Make one Host for a service with NewHost. Its Config lists the languages
// (Backends), the host modules scripts may call (Modules), the audit logger
// and the default budget. A Host is safe for concurrent use.
//
//	host, err := engine.NewHost(engine.Config{
//		Backends: []engine.Backend{js.New(), lua.New()},
//		Modules:  []*bridge.Module{kv.Module(store), crypto.Module(nil)},
//		Logger:   &auditLog, // *zerolog.Logger; nil: no audit log
//	})
//
// Compile checks a Source (size, a nesting pre-scan, syntax) and returns an
// immutable *Script. Compile a script once and run it any number of times
// from any number of goroutines:
//
//	script, err := host.Compile(engine.Source{Name: "hook.js", Lang: "js", Code: src})
//	res, err := host.Run(ctx, script, engine.RunOptions{
//		Input:    payload,       // the script's `input`, deep-copied
//		Policy:   pol,           // *policy.Policy; nil: every host call is denied
//		Budget:   limits.Budget{Steps: 100_000}, // overrides of the host's defaults
//		Identity: engine.Identity{Tenant: "acme", Labels: map[string]string{"env": "prod"}},
//		Seed:     0,             // 0: random; fixed: repeatable Math.random / math.random
//		Now:      nil,           // nil: real time; a fixed clock makes JS Date and policy `now` repeatable
//	})
//
// Each run happens in a fresh VM, and no state survives from one run to the
// next. Run always returns a *Result with Usage (what the run used) and Logs
// (the script's console.* or print lines), even when it fails. Cancelling
// ctx stops the script.
//
// # The script contract
//
// In both languages the source is the body of a function. A top-level
// `return v` gives the result. In JS, top-level `await` works, and a
// returned promise is settled under the same budgets. A script sees:
//
//   - input: a deep copy of RunOptions.Input;
//   - host: one object per registered module, so host.kv.get(...) calls the
//     capability "kv.get" through the policy;
//   - console.log/info/warn/error/debug (JS) or print (Lua), going to
//     Result.Logs and counted against the Logs budget;
//   - the language's safe standard library, and nothing else. JS has no
//     eval, no Function constructor by any route, and no timers. Lua has no
//     os, io, debug, package, load or string.dump.
//
// Values cross in the JSON data model of package bridge. They are always
// copies, bounded in size and depth.
//
// # Budgets
//
// The budget of a run is resolved field by field (limits.Resolve). It starts
// from limits.Default(); Config.Budget replaces the host's defaults;
// RunOptions.Budget replaces those for one run; the policy's limits are
// ceilings over both, and the tighter value wins. A zero field means "the
// default", never "unlimited". The source size and nesting limits apply at
// Compile time and come from the host (Config.Budget.Source,
// Config.MaxNesting, default 256).
//
// # Errors
//
// Every error from Compile and Run is an *Error with a Kind:
//
//	compile   the script does not parse or compile
//	runtime   the script threw, or the caller cancelled ctx
//	limit     a budget ran out; Limit names the field ("steps", "timeout", ...)
//	denied    the policy refused a host call; Capability and Rule say which
//	host      a host function failed; Capability says which
//	input     RunOptions.Input or Budget is not acceptable
//	output    the script's result cannot be returned (a function, a cycle, ...)
//	internal  a fault of scriptrun itself; Err holds the cause for the operator
//	quarantined  the run was refused: Config.Containment quarantined the
//	          script; Rule names the containment rule ("containment:<name>")
//
// Pos is a loc.Pos (File, Line, Col; Col is 0 for Lua runtime errors, which
// give no column) and Stack holds the script's own frames as loc.Frame
// values, innermost first. Read the fields; String renders them
// ("name:line:col", "f (name:line:col)"), the one rendering the CLI's JSON
// and Error() use. Messages never contain Go stacks, Go type names or
// host paths. Test errors with errors.Is against a pattern:
//
//	errors.Is(err, &engine.Error{Kind: engine.KindLimit, Limit: limits.Steps})
//	errors.Is(err, &engine.Error{Kind: engine.KindDenied, Capability: "kv.set"})
//
// A stop for a budget cannot be caught by the script: not with
// try/catch/finally, promise jobs, pcall/xpcall or coroutines. A denial ends
// the run too, unless the policy sets catchableDenials. In that case the
// script gets an error it may catch, and the run ends as denied only if the
// script does not catch it.
//
// # Audit log
//
// With Config.Logger set, the host writes zerolog events named by their
// "event" field: script.compiled, run.started, host.call, policy.denied,
// limit.exceeded and run.finished (see the README for the fields). Every
// event of a run carries the policy's name and revision (Policy.Revision);
// run.started and run.finished the script's sha256 and version label
// (Source.Version); run.started the seed and the start time. A would-be
// denial in audit mode is a host.call at level warn. Argument values are
// logged only with Config.LogArgs, RunOptions.LogArgs or the policy's
// `audit: {args: true}`, with values of secret params redacted. The package
// never writes to a global logger.
//
// # Containment
//
// Config.Containment (package contain's Monitor) watches runs and may
// refuse a run (KindQuarantined), clamp its budget, or revoke capabilities:
// a revoked capability is denied before the policy is asked, from the run's
// next host call, with rule "containment:<name>".
//
// # Process isolation
//
// With Config.Isolation set to Process, every run's VM runs in a worker
// process (engine/worker; the application calls worker.Main first thing in
// main) while the host keeps the registry, policy, modules, audit log and
// the wall-time, host-call and log budgets. Results, usage and error kinds
// are the same as in process. A worker that crashes, breaks the protocol or
// does not stop in time fails only its run and is replaced; WorkerConfig
// sizes the pool and can require containment layers. Worker lifecycle
// events: worker.layers, worker.started (debug), worker.failed and
// worker.exited (with the cgroup's memory peak).
//
// # Backends
//
// A Backend (engine/js on goja, engine/lua on gopher-lua) compiles sources
// into Programs and runs them in a fresh VM wired to an Env. Both backends
// pass the same conformance suite (engine/enginetest). Only engine/js
// imports goja, and only engine/lua imports gopher-lua.
package engine
