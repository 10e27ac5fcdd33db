// Package enginetest is the conformance suite that every engine.Backend
// runs: the same scripts, with the same expectations, in every language.
//
//	func TestConformance(t *testing.T) { enginetest.Run(t, js.New()) }
//
// Run finds testdata/conformance/ at the module root (the directory above
// the test's working directory that holds go.mod) and runs every topic in
// it. A topic is a pair of twin files, <topic>.js and <topic>.lua (the
// extension is the backend's Lang()), that cover the same behaviours in the
// same order. A topic with only one twin fails unless the SKIP file lists it
// with a reason. Each chunk is a subtest named <topic>/<chunk name>.
//
// # Twin files
//
// A twin is a runnable script cut into chunks by separator lines, "// ---"
// in JavaScript and "-- ---" in Lua (the comment prefix is "//" for js and
// "--" for lua). Every chunk is compiled and run as a script of its own,
// named <topic>.<ext>, with blank lines in front of it, so that positions
// in errors are positions in the twin file: "values.js:12:3" is line 12 of
// values.js whichever chunk it is in.
//
// Both twins of a topic must have the same chunk names in the same order.
//
// # Options
//
// A chunk starts with optional option lines, comments of the form
// "// @key value" before the first line of code. They are parsed strictly:
// an unknown or repeated key, a bad value, or an option after code fails the
// chunk.
//
//	@name text          the chunk's name (required, unique in the file)
//	@input JSON         the run's input (default null)
//	@policy NAME        policies/NAME.yaml; "none" runs without a policy
//	                    (every call denied); default policies/default.yaml
//	@budget k=v ...     RunOptions.Budget fields: steps, memory, timeout,
//	                    cpu, hostCalls, output, logs, stackDepth, source,
//	                    input; durations as in Go ("100ms"), others integers;
//	                    source is the host's limit (Config.Budget), since
//	                    compiling comes before the run
//	@seed N             RunOptions.Seed (default 0: a random seed)
//	@now RFC3339        the run's clock (default: the real time)
//	@tenant NAME        Identity.Tenant, as policies see script.tenant
//	@labels k=v ...     Identity.Labels (script.labels)
//	@runs N             run N times (default 1), each in a fresh host with
//	                    fresh host modules; every run must meet the
//	                    expectation and all runs must give the same value
//	                    and logs (isolation, determinism)
//
// # Expectations
//
// Every chunk has exactly one result expectation, a comment line anywhere
// in the chunk starting with "###":
//
//	### ok JSON                      the result equals JSON in the value model
//	### ok                           any result (only with @runs 2 or more,
//	                                 where all runs must agree)
//	### error KIND ["text"] [at "POS"]
//	                                 an error of KIND (runtime, host, input,
//	                                 output) whose message contains text
//	### limit "NAME" [at "POS"]      a limit error for the Budget field NAME
//	### denied "CAP" [rule "RULE"] ["text"] [at "POS"]
//	                                 a denial of capability CAP (by RULE;
//	                                 rule "" means no rule allowed it)
//	### compile ["POS"]              the chunk does not compile
//
// and optionally one log expectation:
//
//	### logs ["line 1", "line 2"]    the messages the run logged, in order
//
// and optionally a coverage expectation:
//
//	### covered                      the run executed exactly the lines of
//	                                 code that end with the comment "ran"
//	                                 ("// ran", "-- ran"), whatever its
//	                                 outcome (checked in-process only:
//	                                 worker processes collect no coverage)
//
// Values compare in the model: numbers are int64 when whole and within
// ±2^53, float64 otherwise, so "### ok 3" matches a result of 3.0; bytes
// compare equal to the string of the same bytes (Lua has no bytes type).
// A position POS matches the error's position or a prefix of it ending
// before a ':', so "values.js:12" matches "values.js:12:3" and Lua's
// "values.lua:12".
//
// # Host modules
//
// Every run gets fresh host modules, all reached through the dispatcher and
// the chunk's policy:
//
//	assert   eq(got, want, msg?), ok(cond, msg?): a failed check is a host
//	         error with the message, which the harness reports as the
//	         assertion that failed and where
//	t        test functions: echo, typed(s, n?, l?, m?) (returns its
//	         arguments), kind (model type names of its arguments), boom
//	         (panics), fail (returns a Go error the script must not see),
//	         refuse (returns a message the script sees), wait (blocks until
//	         the run's deadline), count (a per-run counter), now and tenant
//	         (from bridge.RunFrom), secret, nan and bad (values outside the
//	         model), big(n) (a string of n bytes)
//	kv       kv.Module(kv.NewMemory()), a new store per run
//	crypto   crypto.Module(nil)
//
// # SKIP
//
// testdata/conformance/SKIP lists what a backend does not run, one entry a
// line, "#" comments and blank lines ignored:
//
//	<topic> <lang> <reason...>        the whole topic
//	<topic>#<n> <lang> <reason...>    chunk n (1-based) of the topic
//
// An entry that names no topic or chunk fails the suite, so SKIP cannot go
// stale. Table renders the topics and SKIP as the Markdown table in the
// README.
package enginetest
