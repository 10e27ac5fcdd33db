// Package bridge is the only place where values and calls cross between a
// script and the host. It defines the value model, host modules as data, and
// the dispatcher that every host call goes through.
//
// # Values
//
// Every value that crosses is one of these Go types, and always a copy:
//
//	nil             null
//	bool            boolean
//	int64           a whole number within ±2^53 (MaxSafeInt)
//	float64         any other finite number (NaN and infinities are refused)
//	string          string
//	[]byte          bytes, where a parameter is declared Bytes
//	[]any           list
//	map[string]any  map with string keys
//
// Copy checks a Go value against the model and returns a deep copy. It also
// accepts the common forms a host function may return: sized ints, float32,
// []string, map[string]string. Depth (DefaultMaxDepth, 64) and size
// (ValueLimits.MaxBytes, as Size counts it, roughly the JSON length) are
// bounded, and a value outside the model is a *ValueError naming the path
// ("at $.items[3]: ..."). Functions, cycles, symbols, live Go objects and
// prototypes never cross. Backends copy VM values with a Counter, so a copy
// stops as soon as it is over its limits.
//
// # Modules
//
// A host module is data: a Module with a Name and Funcs, each Func with
// declared Params and an Impl. The capability name a policy sees is
// "module.function", and a script calls it as host.module.function(...) in
// both languages.
//
//	mod := &bridge.Module{
//		Name: "orders",
//		Doc:  "The customer's orders.",
//		Funcs: []*bridge.Func{{
//			Name: "lookup",
//			Params: []bridge.Param{
//				{Name: "id", Type: bridge.String, Doc: "order id"},
//				{Name: "fields", Type: bridge.List, Optional: true},
//			},
//			Impl: func(ctx context.Context, args bridge.Args) (any, error) {
//				o, err := db.Order(ctx, args.String("id")) // ctx ends with the run's deadline
//				if errors.Is(err, sql.ErrNoRows) {
//					return nil, bridge.Message("no such order") // the script sees this text
//				}
//				if err != nil {
//					return nil, err // the script sees "host function failed"; err goes to the audit log
//				}
//				return map[string]any{"id": o.ID, "total": o.Total}, nil
//			},
//		}},
//	}
//
// Names match [a-z][a-z0-9_]*. NewRegistry rejects duplicate modules,
// functions and params, and a required param after an optional one. Param
// types are Any, Bool, Int (whole numbers only), Number, String, Bytes (a
// string is accepted and means its UTF-8 bytes), List and Map. A call may
// omit trailing Optional params or pass null for them; they are then absent
// from Args. Extra arguments are an error.
//
// Standard modules live in sub-packages: bridge/kv (a key-value store),
// bridge/crypto (hashes, HMAC, seeded random bytes), bridge/log (structured
// log lines) and bridge/http (outbound HTTP with an SSRF guard).
//
// # The dispatcher
//
// Dispatcher.Call is the one path of every host call, in this order:
//
//  1. look up the function by capability name (an unknown name is an
//     *ArgError, never a reflection fallback);
//  2. check the arguments against the declared params and key them by name;
//  3. ask the Gate. The engine's gate charges the host-call budget and asks
//     the policy. A denial is a Decision, and a gate error (budget gone)
//     ends the run;
//  4. write the host.call audit event (and policy.denied for a denial);
//  5. call Impl with the run's ctx and panic recovery;
//  6. copy the result back into the model, bounded by Dispatcher.Result.
//
// Its errors tell the backend what the script sees:
//
//   - *ArgError: bad arguments; the script can catch it as a TypeError
//     (JS) or a pcall error (Lua);
//   - *HostError: the function failed or panicked. The script sees Msg
//     ("host function failed", or the text of a Message the function
//     returned) and can catch it. The cause stays on the host side;
//   - *DeniedError: the policy refused the call. It ends the run unless
//     Catchable is set.
//
// Host functions that need the run's seed, clock or tenant get them from
// RunFrom(ctx). A *Run is also an io.Reader of the run's seeded random
// stream.
//
// # What a host function may do to its run
//
// Through the *Run a host function reaches the run that called it:
//
//   - Check(ctx, capability, args) asks the gate about a further use of a
//     capability, the same check a script's call gets: the policy decides
//     with args, the use counts as one host call and one use of the
//     capability, and a host.call audit event with "via" (the calling
//     capability) records the decision. bridge/http decides each redirect
//     hop as the same capability with the new URL, and a connection to a
//     special-purpose address as http.private. A denial or the gate's error
//     is the call's outcome whatever the function returns afterwards.
//   - ChargeMemory and ChargeLog charge the run's budgets; over a budget
//     the run stops with that limit, and the error is the call's outcome.
//   - Log writes a structured line (level, message, fields) into the run's
//     log, charged to the logs budget (bridge/log).
//   - Annotate adds a field to the call's host.call audit event
//     (bridge/http: the connected address).
//   - State keeps per-run values (bridge/http: requests made in this run).
//
// Func.PolicyArgs lets a module show the policy (and the audit log) a view
// of the arguments instead of the arguments themselves.
package bridge
