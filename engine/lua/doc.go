// Package lua is the Lua backend of scriptrun, on the patched copy of
// github.com/yuin/gopher-lua (Lua 5.1) in third_party/gopher-lua (the
// patches are listed in RATIONALE.md). Register it with engine.NewHost:
//
//	h, err := engine.NewHost(engine.Config{Backends: []engine.Backend{lua.New()}})
//	s, err := h.Compile(engine.Source{Name: "transform.lua", Lang: "lua", Code: src})
//	res, err := h.Run(ctx, s, engine.RunOptions{Input: in, Policy: pol})
//
// # The script
//
// The script is a chunk: top-level `return v` gives the run's result (only
// the first value counts). It sees `input` (a deep copy of the run's
// input), `host` (host.kv.get(...) calls capability kv.get through the
// policy), `print` (tab-separated, to the run's log at level "info") and
// the safe standard library:
//
//   - base without dofile, loadfile, load, loadstring, require, module,
//     getfenv, setfenv, collectgarbage, newproxy, gcinfo, _printregs;
//     tostring is the backend's own (below);
//   - string without dump; string.format accepts only Lua 5.1's
//     conversions (d i u c o x X e E f g G q s %) with width and precision
//     below 100, so nothing shows Go types or addresses; string.gsub
//     follows Lua 5.1's replacement rules;
//   - table (table.concat with Lua 5.1's rules), math (math.random from the
//     run's seed, over the whole int64 range; math.randomseed reseeds the
//     run's generator from its argument, never from the clock), coroutine
//     (at most 64 live coroutines a run).
//
// Without any capability the script also has `script`, its identity (a
// read-only proxy table built on first use), and `std`: base64, hex, utf8
// and url (internal/urlx, the policy's url() parser), each charging a step
// per 64 bytes of input and the memory of its result (stdlib.go).
//
// There is no os, io, debug, package or channel. Binary chunks are refused.
// tostring of a table, function or coroutine is "table: 0x00000001",
// numbered per run, not a memory address, so output is reproducible; a
// built-in function is "function: builtin: 0x00000002".
//
// # Values
//
// Values cross as copies (see bridge): nil is null, numbers become int64
// when whole (bridge.Num) and float64 otherwise, strings keep any bytes, a
// table whose keys are exactly 1..n is a list, a table whose keys are all
// strings is a map. An empty table is an empty list, except as the
// argument of a host function parameter declared bridge.Map, where it is an
// empty map. Mixed keys, holes, non-string keys, functions, coroutines,
// cycles, NaN and infinities are errors naming the path ("at $.a[2]: ...").
// Going the other way, a null list item is a hole and a null map value is
// an absent key, because a Lua table cannot hold nil.
//
// # Isolation
//
// Every run gets a fresh *lua.LState that is closed after the run and never
// used again, so globals, library tables, the string metatable
// (getmetatable(”).__index is the string table) and _G's metatable never
// reach another run. To keep the ~100µs of making a state off the run's
// path, a Backend keeps a few fresh states ready, made by a background
// goroutine; they are never returned to it.
//
// # Budgets
//
// Every budget is enforced inside the patched VM, one mechanism per
// concern:
//
//   - Steps are VM instructions, counted exactly by a countdown in the VM
//     loop (one decrement per instruction) and charged to the meter
//     (engine.Meter.AddSteps) in grants of at most 1000; native loops whose
//     length a script controls (pattern matching, gsub, gmatch, rep,
//     concat, byte, unpack, sort, insert and remove shifting, table
//     constructors) charge one step per element and one per 64 bytes
//     copied. The same script with the same input takes the same number of
//     steps every run. The default 100 million is about 0.8 s of a
//     counting loop on the CI machine (40-130 million instructions a
//     second, depending on the loop).
//   - Memory: the VM charges engine.Meter.AddMemory before it builds a
//     string (concatenation, rep, format, gsub, upper, lower, reverse,
//     char, concat) and as tables grow (a new key, a constructor, insert).
//     It counts bytes allocated over the run, not live bytes. A string
//     longer than 256 MiB is the catchable error "string length overflow"
//     after the charge (so a run whose budget is smaller ends with limit
//     memory). An integer key set more than 64 past the end of a table's
//     array part goes to its hash part: t[67108863] = 1 is one entry.
//   - Stopping: when the run's ctx is done (any budget, the caller, a
//     denial) the VM is interrupted (LState.Interrupt, polled every 1024
//     instructions and in every metered native loop) and halts; a halt
//     cannot be caught or delayed: pcall, xpcall and coroutine.resume raise
//     it again, no error handler runs, and every following instruction
//     raises it too.
//
// Call depth is the budget's StackDepth (default 1000, at most 2000) and
// counts Lua and Go frames alike, so recursion through gsub callbacks,
// metamethods, sort comparators and __tostring is bounded too. Overflowing
// it halts the run with a limit error "stackDepth" (LState.OnStackOverflow),
// even inside pcall. Pattern matching recurses once per repetition or
// capture on the way through the pattern (not per character of the
// subject), at most 20,000 levels ("pattern too complex"); the parser and compiler bound syntactic nesting
// (ParseLimited, CompileLimited, from engine.Config.MaxNesting), after a
// cheap pre-scan (engine/internal/srccheck).
//
// pcall and xpcall do not build gopher-lua's traceback; the run's handler
// records at most 20 script frames, and a tail call shows as
// "(tail call)".
//
// # Errors
//
// errors.go is the one place gopher-lua's errors become *engine.Error. The
// kind comes from the meter's cause, the host errors this run raised (a
// side table from the raised error string to its Go cause) and the
// overflow flag; a Go panic inside the VM is an internal error. Positions
// have a line and no column (parse errors have both, also at the end of
// the script).
// Host errors reach the script as strings "name:line: kv.get: message":
// *bridge.ArgError, *bridge.HostError and catchable denials can be caught
// with pcall; when uncaught the run's error has the cause's kind (runtime,
// host, denied). Other denials and limits end the run at once.
//
// A Backend is safe for concurrent use; a run uses one goroutine, locked to
// its OS thread for CPU accounting.
package lua
