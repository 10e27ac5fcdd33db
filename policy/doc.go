// Package policy decides which host calls a script may make.
//
// A policy is a YAML file (or a Policy built in Go and compiled with New)
// holding a name, a mode, run limits and a list of rules whose conditions are
// CEL expressions (https://cel.dev). Loading compiles and type-checks every
// expression once; the resulting *Policy is immutable and Decide may be
// called from any number of goroutines.
//
// # Format
//
//	name: acme-automations        # required
//	mode: enforce                 # or audit; default enforce
//	catchableDenials: true        # a denial is a catchable error in the script
//	audit: {args: true}           # log host-call argument values (secret params redacted)
//	limits: {steps: 10000000, memory: 64MiB, timeout: 2s, cpu: 1s, hostCalls: 100, output: 1MiB, logs: 64KiB}
//	rules:
//	  - name: tenant-kv                         # required, unique
//	    match: script.tenant == "acme"          # optional: which scripts the rule is for
//	    allow: [kv.get, kv.set]                 # or deny: [...]; exactly one, non-empty
//	    when: args.key.startsWith(script.tenant + ":")   # optional: does it apply to this call
//	  - name: no-large-values
//	    deny: [kv.set]
//	    when: size(args.value) > 65536
//	    message: "'value is ' + string(size(args.value)) + ' bytes'"  # optional, deny rules
//
// Limits: the keys are the budget fields' (limits.Fields, Field.Key):
// steps, hostCalls and stackDepth (at most 2000) are integers (100000,
// 100_000); memory, output, logs and input are sizes, an integer number of
// bytes or a number with a suffix B, KiB, MiB, GiB (powers of 1024) or KB,
// MB, GB (powers of 1000); timeout and cpu are Go durations ("2s",
// "500ms"). A missing or zero limit means no ceiling. The source budget
// applies at compile time, before any policy, so a policy cannot cap it.
//
// Capability patterns are "module.function", "module.*" or "*", with module
// and function names matching [a-z][a-z0-9_]*.
//
// Unknown keys, wrong types and invalid expressions are errors. Parse, Load
// and New report every problem at once in an *Error whose issues read
// "file:line:col: message"; for CEL errors the position points inside the
// expression and the message shows the expression with a caret under the
// problem. A YAML syntax error points at the line and column of the
// problem (yaml.v3 itself names the line where the enclosing construct
// starts; internal/yamlpos finds the problem), and its message shows that
// line of the file with a caret (loc.Snippet).
//
// # Semantics
//
// Deny by default. For each call, rules are visited in file order. A rule is
// skipped unless one of its patterns matches the capability name (such rules
// are not evaluated at all), its match expression is true and its when
// expression is true. The first applying deny rule denies the call, with its
// message expression evaluated for Decision.Message. A rule whose match, when
// or message fails to evaluate (runtime error such as a missing key, the
// runtime cost limit, cancellation of ctx) fails closed: the call is denied,
// Decision.Err is an *EvalError and Decision.Message names the rule and the
// error; a failing deny message only falls back to a fixed text. Otherwise the
// call is allowed iff at least one allow rule applied.
//
// In audit mode Decide computes the same decision, but a denial comes back as
// Allow with WouldDeny set and the would-be denial's Rule, Message and Err.
//
// Decide first checks ctx: a ctx that is already done denies the call, with
// Decision.Err the ctx's error (and cause), whatever the rules are.
//
// # Runs: Session
//
// Decide is for one decision. A run that makes many calls decides them with
// a Session (Policy.NewSession, one per run), which gives the same decisions
// faster: per capability, on its first call, it works out which rules'
// patterns match and evaluates every match, when and message expression that
// names only script and call (a match such as script.tenant == "acme");
// rules that can then never apply are dropped, and a deny rule that always
// applies ends the list. Per call it evaluates only the expressions that name
// args, usage or now, through one reused activation that converts each
// variable at most once and asks the run (State) for usage and now only when
// an expression names them. An expression that fails is never settled: it is
// evaluated, and fails closed, at each call that reaches it. CEL is polled
// for ctx (a context per evaluation) only by expressions with a
// comprehension, the only place cel-go checks for an interrupt; every
// evaluation checks ctx before it starts. An expression without a
// comprehension whose estimated cost stays under half of CostLimit with
// every input size unbounded (it calls nothing whose cost grows with its
// arguments) is evaluated without cel-go's cost tracker: the limit could
// not stop it. Other expressions without a comprehension that call only
// the standard library and the functions below skip the tracker on a call
// whose inputs are all no larger than a bound worked out at load, under
// which their estimated cost stays under half of CostLimit; a larger input
// is evaluated with the tracker.
//
// # Cost
//
// match and when must have type bool (or dyn, checked at run time) and
// message type string. Each expression's cost is estimated at load assuming
// strings up to 1 MiB in args, lists, maps and untyped (dyn) args values up
// to 10000 elements, script and call strings up to 1 KiB, and labels and
// usage.calls up to 64 entries; an expression whose estimate exceeds
// Options.MaxCost (default 100000) is rejected, naming the rule. Every
// evaluation also runs under Options.CostLimit (default 100000) and ctx.
//
// # Variables
//
//	script  name, lang, sha256, tenant (string); labels (map(string, string))
//	call    name ("kv.get"), module ("kv"), function ("get") (string)
//	args    map(string, dyn): the call's arguments by parameter name; values
//	        are null, bool, int, double, string, bytes, list or map
//	usage   steps, hostCalls (int); elapsed (duration);
//	        calls (map(string, int): calls per capability so far in the run)
//	now     timestamp of the call
//
// script, call and usage are typed objects, so a misspelt field such as
// script.tennant is an error at load.
//
// usage.calls has the call's own capability with 0 before its first call,
// and, when the policy was loaded with Options.Capabilities, every known
// capability with 0: the quota rule `usage.calls[call.name] >= 5` works
// from the first call. Without Capabilities, reading another capability's
// count before it was called is a missing-key error (the rule denies).
// So `call.name in usage.calls` is always true; "called before" is
// usage.calls[call.name] > 0.
//
// # Known capabilities
//
// A host passes its registry's capability names in Options.Capabilities
// (the CLI's check passes its modules kv, crypto, log, http and
// http.private). Loading then fails on a rule naming a capability no
// module provides, with the position of the name and the nearest known
// name ("unknown capability kv.delte (did you mean kv.delete?)"), and on a
// pattern (kv.*, *) that matches none: a misspelt deny rule would
// otherwise never fire. The same goes for a string literal in an
// expression compared with call.name or call.module (==, !=, in a list)
// or used as a usage.calls key: `call.name == "kv.delte"` is an error.
//
// # Warnings
//
// Reading a map key a run or call may lack makes the rule fail, which
// denies. Policy.Warnings lists such reads that nothing in the same
// expression guards: script.labels.x or script.labels["x"] without
// has(script.labels.x) or "x" in script.labels, and, with Capabilities,
// args.x or args["x"] where x is an optional param of a capability the
// rule names, without has(args.x) or "x" in args. Each names the position
// of the read and the guard to add. A guard anywhere in the expression
// counts, so this is a hint, not a proof; a policy with warnings loads.
//
// # Containment
//
// A `containment:` section holds rules that the containment monitor
// (package contain) evaluates over a script's run statistics, the CEL
// variable `stats` (Stats: runs, failures, failureRate, failuresByKind,
// failureStreak, hostCalls, denials, denialRate, calls, denied, cpu and
// memory {mean, max}, history {runs, failures, failureRate, denialRate,
// cpu, memory}, capabilities, newCapabilities, hosts, newHosts, sha256,
// newVersion). Expressions are compiled and type-checked at load like
// rules' (a misspelt field is an error at file:line:col); one that fails to
// evaluate does not fire.
//
//	containment:
//	  mode: enforce             # or audit: log the actions, take none (default: the policy's mode)
//	  window: 10m               # span of the counts (default 10m)
//	  history: 24h              # span of stats.history (default 24h)
//	  rules:
//	    - name: denial-spike
//	      when: stats.hostCalls >= 20 && stats.denialRate > 0.5
//	      action: revoke        # warn, tighten, revoke or quarantine
//	      revoke: [http.*]      # revoke only: capability patterns
//	      for: 15m              # required but for warn (default: window)
//	    - name: cpu-hog
//	      when: stats.history.runs >= 50 && stats.cpu.mean > 4.0 * stats.history.cpu.mean
//	      action: tighten
//	      limits: {cpu: 100ms}  # tighten only: ceilings, as in limits
//	      for: 30m
//
// The section is part of the policy's Revision.
//
// # Functions
//
// The CEL standard library and cel-go's extension libraries strings,
// encoders (base64), math, lists and sets are available, plus:
//
//	url(string) -> map(string, dyn)
//	    Parses an absolute URL into {scheme, host, port, path, query}:
//	    scheme lowercased; host lowercased without port or trailing dot
//	    (IPv6 normalized, without brackets); port an int, defaulting by scheme
//	    (http, ws 80; https, wss 443; ftp 21; else 0); path percent-encoded as
//	    sent, "/" if empty for http(s) and ws(s); query a map(string, string)
//	    of each key's first value. It is an evaluation error (so the rule
//	    denies) for input a browser might read differently: no scheme or no
//	    "//host", userinfo (user@host), backslashes, spaces, control or
//	    non-ASCII characters, percent-encoded hosts, IPv6 zones, numeric
//	    hosts other than a canonical dotted quad (0x7f.1, 2130706433, 127.1,
//	    0177.0.0.1), "." or ".." path segments (also encoded), ";" in the
//	    query, ports above 65535, and strings over 8192 bytes.
//	ip(string) -> string
//	    Normalizes an IPv4 or IPv6 address ("2001:DB8::0:1" -> "2001:db8::1");
//	    error if not an address (leading zeros and zones are rejected).
//	isIP(string) -> bool
//	    Whether the string is an address ip() accepts.
//	inCIDR(ip string, cidr string) -> bool
//	    Whether ip is in the CIDR range; IPv4-mapped IPv6 addresses match
//	    IPv4 ranges. Error if either argument is invalid.
//	isPrivateIP(string) -> bool
//	    Whether the address is special-purpose, not a public unicast
//	    address: every IPv4 range of the IANA special-purpose registry
//	    (private 10/8, 172.16/12, 192.168/16, loopback, link-local, CGNAT
//	    100.64/10, 0/8, 192.0.0/24, documentation, benchmarking 198.18/15,
//	    multicast, 240/4 and broadcast, ...), all of IPv6 outside the global
//	    unicast 2000::/3 (loopback, link-local, fc00::/7, multicast, NAT64,
//	    ...) and the special ranges inside it (2001::/23, 2001:db8::/32,
//	    6to4 2002::/16, 3fff::/20, ...); an IPv4-mapped IPv6 address is
//	    judged as its IPv4 address. The list is code.dny.dev/ssrf's, the one
//	    bridge/http's dialer refuses. Error if not an address, so use
//	    isIP(h) && !isPrivateIP(h) or url-based rules on hosts that may be names.
//
// A typical outbound rule:
//
//	rules:
//	  - name: public-https
//	    allow: [http.get]
//	    when: >-
//	      url(args.url).scheme == "https" &&
//	      (!isIP(url(args.url).host) || !isPrivateIP(url(args.url).host))
package policy
