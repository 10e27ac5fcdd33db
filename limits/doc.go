// Package limits holds the numbers a script run may use (Budget), what a run
// did use (Usage), and the one mechanism that stops a run when a number runs
// out (Watchdog).
//
// # Budget
//
// A Budget has one field per resource. A zero field means "use the
// default", never "unlimited". Fields describes each field once: its
// name in errors and JSON (Name), its key under a policy's limits (Key),
// its CLI flag (Flag), its kind (Count, Size or Duration, which says how
// it is written), its default, its maximum and what it counts. Default,
// Resolve, Budget.Value, the policy's limits parsing, the CLI's flags and
// the README's budget table (go generate ./limits, cmd/budgettable) all
// derive from it:
//
//	field       default      what counts
//	Steps       100,000,000  VM instructions (JS, Lua) + built-in loop iterations; ~1 s of a tight JS loop
//	Memory      64 MiB       bytes charged by metered built-ins before they allocate
//	Timeout     2s           wall time of the run
//	CPU         1s           CPU time of the OS thread running the script (Linux only)
//	HostCalls   100          host function calls, denied ones included
//	Output      1 MiB        size of the result; also bounds each host call's arguments
//	Logs        64 KiB       bytes written to the run's log (console.*, print)
//	StackDepth  1000         call depth of the script (Max: MaxStackDepth, 2000)
//	Source      1 MiB        bytes of script source (no policy key: applies at compile time)
//	Input       1 MiB        size of the input; also bounds each host function's result
//
// Sizes are counted as bridge.Size counts values, roughly their JSON length.
// Memory is not the live heap. It is the running total of what the
// metered built-ins asked for: JS repeat, padStart/padEnd, Array fill/join
// and Array.from, and Lua string.rep and table.concat. Other allocations
// are not counted yet.
//
// Resolve gives the budget in force for a run. It starts from the defaults,
// lets each non-zero field of the run's budget replace the default, then
// caps each field by the matching non-zero field of a ceiling (a policy's
// limits). The tighter value wins, and negative fields are an error:
//
//	b, err := limits.Resolve(limits.Default(), limits.Budget{Steps: 50_000}, policyCeiling)
//
// The constants Steps, Memory, Timeout, ... are the field names as they
// appear in errors (engine.Error.Limit), the CLI's JSON output and policies.
//
// # Watchdog
//
// A Watchdog belongs to one run and owns its context (Context). Every reason
// to stop ends in Trip, which records the first cause and cancels that
// context with it. The reasons are the wall-time deadline, the caller's ctx,
// the step, host-call, log and memory counters, and the CPU check. Backends
// interrupt their VM when the context is done, and host functions get it as
// their ctx, so a stop reaches both. After Stop returns nothing more is
// recorded, so a late timer cannot reach a run that has finished.
// Backends count with AddSteps, AddHostCall, AddLog and
// AddMemory. They report limits they detect themselves (stack depth, output
// size) with Exceed. The reasons are reported as:
//
//   - *ExceededError: a budget field ran out (Limit names it);
//   - *CanceledError: the caller's ctx ended the run (Deadline says whether
//     it was a deadline, which the engine reports as the timeout limit).
//
// Usage returns what the run used: steps, memoryBytes, cpuMs, wallMs,
// hostCalls, outputBytes and logBytes. The JSON field names match the CLI.
package limits

//go:generate go run ./cmd/budgettable -w ../README.md
