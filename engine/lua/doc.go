// Package lua is the Lua backend of scriptrun, on github.com/yuin/gopher-lua
// (Lua 5.1). Register it with engine.NewHost:
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
//     pcall, xpcall and tostring are the backend's own (below);
//   - string without dump; string.format accepts only Lua 5.1's
//     conversions (d i u c o x X e E f g G q s %) with width and precision
//     below 100, so nothing shows Go types or addresses; string.rep is
//     charged to the memory budget before it allocates;
//   - table (table.concat charged to the memory budget), math
//     (math.random from the run's seed; math.randomseed reseeds the run's
//     generator from its argument, never from the clock), coroutine.
//
// There is no os, io, debug, package or channel. Binary chunks are refused.
// tostring of a table, function or coroutine is "table: 0x00000001",
// numbered per run, not a memory address, so output is reproducible.
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
// Steps are VM instructions, counted exactly: the run's state carries a
// context whose Done gopher-lua calls once per instruction; every 1000
// instructions it reports to the watchdog, which also checks the CPU
// budget. The same script with the same input takes the same number of
// steps every run. Once the watchdog trips (steps, CPU, timeout, the
// caller's ctx, a limit reached in a host call), Done reports done and the
// VM raises at the next instruction in every frame. pcall and xpcall
// re-raise instead of returning false, and coroutine.resume does the same.
// A looping error handler is stopped like any other code. Every coroutine
// runs under the run's context too (gopher-lua would give it a child
// context that neither counts nor stops). A run can have at most 64 live
// coroutines.
//
// Call depth is the budget's StackDepth (default 1000, at most 2000) and
// counts Lua and Go frames alike, so recursion through gsub callbacks,
// metamethods, sort comparators and __tostring is bounded too. Overflowing
// it ends the run with a limit error "stackDepth", even inside pcall. It is
// detected from gopher-lua's error types (the protected call's handler
// could not be pushed), never from text.
//
// Errors keep to the cost of the error itself: the error handlers used for
// pcall, xpcall and the run itself never build gopher-lua's traceback; the
// run's handler records at most 20 script frames.
//
// # Errors
//
// errors.go is the one place gopher-lua's errors become *engine.Error. The
// kind comes from the watchdog's cause, the host errors this run raised (a
// side table from the raised error string to its Go cause) and the
// overflow flag; positions are "name:line" (parse errors "name:line:col").
// Host errors reach the script as strings "name:line: kv.get: message":
// *bridge.ArgError, *bridge.HostError and catchable denials can be caught
// with pcall; when uncaught the run's error has the cause's kind (runtime,
// host, denied). Other denials and limits end the run at once.
//
// A Backend is safe for concurrent use; a run uses one goroutine, locked to
// its OS thread for CPU accounting.
package lua
