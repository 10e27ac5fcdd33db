// Package suite runs authoring tests: policy suites, which check a policy
// call by call, and script suites, which run a script under its policy with
// mocked host calls and check what it returns, stores and calls. The
// scriptrun CLI runs them with "scriptrun policy test" and "scriptrun
// test"; an integrator runs the same files from go test with its own
// modules (Options.Modules), most simply with Test:
//
//	func TestSuites(t *testing.T) {
//		suite.Test(t, suite.Options{Modules: myModules}, "testdata/suites")
//	}
//
// # Files
//
// A suite is a YAML file named *_test.yaml (Find walks directories for
// them). Paths in it are relative to the file. A suite with script: is a
// script suite; one with policy: and no script: is a policy suite. Unknown
// keys, values of the wrong type, a missing or unreadable file, a policy
// that does not load, a capability no module provides, args that name no
// param of the function called or mocked (and, in policy cases, required
// params left out, unless the function shows the policy other args), and a
// value outside
// the bridge value model (NaN, infinities, integers beyond ±2^53, nesting
// deeper than 64, aliases) are suite errors: Load returns an *Error listing
// each with its file:line:col, and no case runs.
//
// A suite is input like a script: files over MaxFileBytes (4 MiB) are
// refused before parsing, YAML aliases are refused (no "billion laughs"),
// every case runs under the suite's budget (a script that hangs fails its
// case when the budget stops it), and the text report escapes every
// control and bidirectional character that a script's values or a
// suite's names carry.
//
// # Policy suites
//
//	policy: tenant.yaml
//	defaults:                       # optional, for every case
//	  script: {name: sync.js, lang: js, sha256: "", tenant: acme, labels: {plan: pro}}
//	  now: 2026-01-01T00:00:00Z     # default 2000-01-01T00:00:00Z
//	  usage: {steps: 0, hostCalls: 0, elapsed: 0s, calls: {}}
//	cases:
//	  - name: own key allowed       # required, unique in the suite
//	    call: kv.get                # required: the capability called
//	    args: {key: "acme:orders"}  # the args as the policy sees them
//	    script: {tenant: globex}    # optional: replaces the defaults' fields it names
//	    usage: {calls: {kv.set: 100}}
//	    now: 2026-06-01T00:00:00Z
//	    expect:
//	      decision: allow           # allow, deny, or audit-deny (audit mode: allowed, would deny)
//	      rule: tenant-kv           # the rule that decided; "" for none
//	      message: "limit 1024"     # text the denial message contains
//
// Each case is decided with policy.Policy.Trace, so a failing case says
// why: "decision: want allow, got deny (no rule allows kv.get: rule
// "tenant-kv": when is false)". The args are what the policy sees, which
// for a module with PolicyArgs (http) is not what the script passed.
//
// # Script suites
//
//	script: order-sync.js           # language from .js/.lua, or lang:
//	policy: tenant.yaml             # optional: no policy, no capabilities
//	identity: {tenant: acme, labels: {plan: pro}}
//	budget: {steps: 100000, timeout: 1s}   # any limits.Budget field; the policy's limits are ceilings
//	seed: 1                         # default 1; Math.random, crypto.random_*
//	now: 2026-01-01T00:00:00Z       # the script's clock; default 2000-01-01T00:00:00Z
//	cases:
//	  - name: a recorded run replays the same
//	    recording: recordings/run-1.json
//	  - name: syncs new orders
//	    input: {orders: [{id: 1}]}  # default null
//	    identity: {tenant: globex}  # optional: replaces the suite's
//	    kv: {"acme:cursor": 0}      # the kv store before the run
//	    mocks:
//	      - call: http.get
//	        args: {url: "https://api.partner.example/orders"}   # optional: the args it answers
//	        result: {status: 200, headers: {}, body: "[]"}     # or error: "text the script sees"
//	    expect:
//	      value: {synced: 1}        # or error: {kind, limit, capability, rule, message}
//	      kv: {"acme:cursor": 1, "acme:tmp": null}   # keys after the run; null: absent
//	      calls: [kv.get, http.get, kv.set]           # every call the policy decided, in order
//	      usage: {steps: "<= 5000", hostCalls: 3}      # a number or a bound: <, <=, ==, >=, >
//
// Every case gets a fresh in-memory kv store holding its kv: keys, the
// suite's seed and clock, and its own run: nothing one case does reaches
// the next. Mocks answer allowed calls through engine.RunOptions.Answer:
// the first mock whose call matches and whose args (each one it lists,
// compared by value) equal the call's answers it. The policy still decides
// every call, mocked or not, so a denied call never reaches a mock. A call
// no mock answers reaches the real module when the module is in
// Options.Live (kv, log and crypto by default); any other (http) fails the
// case with "unmocked host call http.get(...)": tests never touch the
// network. The script sees the failure as a host error.
//
// Without value: or error:, a case expects the run to succeed. error:
// compares the fields it names; message is a substring. A script that does
// not compile fails every case that does not expect kind compile.
//
// A case with recording: (a file `scriptrun run --record` wrote, checked
// when the suite loads) has nothing else: it replays the recorded run
// (recording.Replay) against the suite's script and policy, with the
// recorded input, identity, seed, clock and budget, every allowed host
// call answered from the recording (log runs for real). It passes when
// the replay reproduces the recording (value or error, calls and
// decisions, step count, log) and fails with the first divergence, "replay
// diverges at host call #0 (kv.incr): args.delta: recording (absent),
// replay 2": how a fix or a policy change is tested against recorded
// production runs. The script is compiled under the recorded script's
// name, so positions compare.
//
// # Reports
//
// WriteText writes one line per failing case, "file:line:col: FAIL "name":
// reason; reason", each reason saying what was expected and what came
// out, the coverage when collected, and last "N passed, N failed".
// WriteJSON and WriteJUnit write the same as JSON and JUnit XML.
//
// With Options.Coverage, a policy suite reports each rule and whether some
// case made it apply; a script suite reports the lines holding code
// (CodeLines) that no case ran, collected through engine.RunOptions.Coverage.
// A backend that reports no line at all is said not to collect coverage,
// rather than every line being called unrun.
package suite
