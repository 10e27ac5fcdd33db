// Command scriptrun runs untrusted JavaScript and Lua scripts under a CEL
// capability policy and hard budgets, the same way a host service embedding
// the scriptrun library would.
//
// # Usage
//
//	scriptrun run [flags] SCRIPT        run one script
//	scriptrun check [flags] SCRIPT...   compile scripts (and a policy); run nothing
//	scriptrun replay [flags] FILE       re-run a recording (run --record); say whether it matches
//	scriptrun version                   print the version
//	scriptrun help [COMMAND]            list the commands, or describe one
//
// "scriptrun COMMAND -h" (also -help, --help, anywhere before a "--") and
// "scriptrun help COMMAND" print the command's usage and flags on stdout
// and exit 0; "scriptrun help" and "scriptrun --help" list the commands.
//
// # scriptrun run
//
// The language comes from the extension (.js, .lua) or --lang. Flags may
// come before or after SCRIPT; "--" ends the flags.
//
//	--input FILE|-          JSON input, "-" for stdin (default: null)
//	--policy FILE           policy YAML (default: no policy, every host call denied)
//	--tenant NAME           script.tenant as policies see it
//	--label k=v             script.labels[k] (repeatable)
//	--steps N               one flag per budget field (limits.Fields): --steps N,
//	--memory SIZE ...       --memory SIZE, --timeout DUR, --cpu DUR, --host-calls N,
//	                        --output SIZE, --logs SIZE, --stack-depth N (at most 2000),
//	                        --source-size SIZE, --input-size SIZE (the --input file,
//	                        then its value); sizes 65536, 64KiB, 1MB, durations 500ms, 2s
//	--isolation MODE        inproc (default), or process: a contained worker process
//	--kv FILE               the kv module's store: FILE.json is a JSON fixture,
//	                        any other name a bbolt database (default: in memory)
//	--deterministic         seed 1 and a clock fixed at 2000-01-01T00:00:00Z
//	--log-format FORMAT     text or json (default: text on a terminal, else json)
//	--record FILE           write a recording of the run to FILE (see scriptrun replay)
//
// A budget flag left at 0 takes the library's default; a policy's limits
// are ceilings over both.
//
// The --input file is held to the input budget before it is parsed: a
// regular file by its size (stat), stdin or a pipe through a reader that
// stops one byte past the budget. The file counts as it is, whitespace
// included; over the budget, run prints the error kind "limit", limit
// "input", and exits 3 without reading the rest. The engine then holds the
// parsed value to the same budget.
//
// The modules kv, crypto, log and http (with its default options) are
// registered. kv is backed by --kv, or by an in-memory store that is gone
// when the run ends. A .json file is a fixture: every change rewrites it
// under a lock, so concurrent runs lose nothing; any other name is a bbolt
// database, created if missing, that one process at a time may use.
//
// run prints exactly one JSON object on stdout:
//
//	{"ok":true,"value":...,"usage":{...}}
//	{"ok":false,"error":{"kind":...,"limit":...,"capability":...,"rule":...,
//	  "message":...,"pos":"name:line:col","stack":[...]},"usage":{...}}
//
// Empty error fields are left out. usage has steps, memoryBytes, cpuMs,
// wallMs, hostCalls, outputBytes and logBytes; cpuMs and wallMs are measured
// and vary even in --deterministic runs. Bytes in the result are written as
// base64 strings (standard alphabet, padded), since JSON has no bytes type.
// A script's string that is not text (Lua bytes that are not UTF-8, a JS
// lone surrogate) is never returned: the run fails with an error naming
// where the string is.
//
// The script's log lines (console.*, print) and the host's audit log
// (events script.compiled, run.started, host.call, policy.denied,
// limit.exceeded, run.finished, script.log) go to stderr. The script's log
// lines are written after the run ends. In the text format every part of
// a line is escaped (newlines, ESC, BEL, C1 controls, bidirectional
// formatting characters and bytes that are not UTF-8 appear as \n, \x1b,
// \a, \u009b, \u202e, \xff) and a script's message is quoted, so nothing a
// script writes can forge a line or drive the terminal. The JSON format is
// one JSON object a line, the script's text in it as the script gave it.
//
// With the text format, a compile or run error whose position is in the
// script is also written for people after the log, with a code frame
// (stdout's JSON is the same in both formats):
//
//	count.js:2:13: runtime error: uncaught TypeError: Cannot read property 'y' of undefined
//	2 | let b = a.x.y;
//	  |             ^
//
// The message is escaped as the log is, and the frame's source line too,
// so neither can drive the terminal. check writes the same frame under
// each compile error.
//
// # scriptrun replay
//
// --record FILE writes the run's recording (package recording: the script
// and its source, the policy file, identity, input, budget, seed, every
// clock read and host call with its decision and result, the log, the
// outcome), atomically, whatever the outcome; secret params are redacted.
// A recording that cannot be written, or is incomplete (over 64 MiB), is
// reported on stderr after the result, and a run that succeeded then exits
// 2. A script that does not compile records nothing.
//
//	scriptrun replay [--script FILE] [--policy FILE] [--isolation MODE] FILE
//
// runs the recorded script (or --script, under the recorded name) with the
// recorded input, seed, clock, identity and budget and the recorded policy
// (or --policy), answering host calls from the recording; only the log
// module runs. It prints "note: ..." lines for a changed script or policy,
// then "replay matches: ..." (exit 0) or "replay diverges: ..." with the
// first difference (exit 1). A bad recording is exit 2 with the file and
// line:col or field.
//
// # Exit codes
//
//	0   success
//	1   the script failed: error kind compile, runtime or output
//	2   usage error or bad file (script unreadable, input malformed or error
//	    kind input, policy malformed, kv file malformed)
//	3   a limit was exceeded (error kind limit)
//	4   a host call was denied by the policy (error kind denied)
//	5   a host function failed (error kind host)
//	6   the run was refused: containment quarantined the script (error kind
//	    quarantined; a host with a containment monitor, see package contain)
//	70  internal error
//	75  the host was busy and did not admit the run (error kind busy)
//	130 interrupted by SIGINT (143: SIGTERM)
//
// # Signals
//
// Once run has read its files, SIGINT and SIGTERM stop the run instead of
// the process: the run's ctx is canceled, the kv store is closed (a .json
// fixture is never left half-written, and no temp file remains), and
// stdout gets the JSON error with kind "runtime" and message "interrupted
// by SIGINT" (or "interrupted by SIGTERM"), with the script's position
// when it had one; the exit code is 128 + the signal's number, 130 or 143.
// Any error of a run whose ctx a signal canceled is reported so (the
// signal is why a host call was cut short, too); a run that returned its
// value before the signal could stop it prints it and exits 0. Only the first signal is caught: a second one ends the process
// at once, for a run that does not stop.
//
// Usage errors and bad files print one line (a policy error may print
// several, with carets) on stderr and nothing on stdout. Errors of a
// compile or a run print the JSON object on stdout as well.
package main
