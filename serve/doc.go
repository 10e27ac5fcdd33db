// Package serve is scriptrun's run service: an http.Handler that runs
// named scripts for tenants under their policies, with admission control,
// Prometheus metrics and OpenTelemetry traces. `scriptrun serve` is this
// package behind flags; an application can mount it in its own server.
//
//	srv, err := serve.New(serve.Config{
//		Host:     engine.Config{Backends: ..., Modules: ..., Logger: &log, Admission: ...},
//		Scripts:  "/etc/scriptrun/scripts",
//		Policies: "/etc/scriptrun/policies",
//	})
//	...
//	go srv.Serve(ln)          // or mount srv (an http.Handler) yourself
//	...
//	srv.Shutdown(ctx)         // on SIGTERM: drain, then stop what is left
//
// # Endpoints
//
//	POST /v1/run            {"script": NAME or SHA256, "input": ..., "tenant": T, "labels": {...}}
//	                        or {"source": CODE, "lang": "js"|"lua", ...} with Config.Inline
//	GET  /v1/admin/status   the scripts and policies loaded, and the files that failed
//	POST /v1/admin/reload   read the directories now
//	GET  /healthz           200 while the process serves
//	GET  /readyz            200, or 503 once a shutdown began
//	GET  /metrics           Prometheus
//
// A run answers the JSON `scriptrun run` prints, with status 200 whatever
// the run's outcome (a script's error is the run's answer, not the
// service's): {"ok":true,"value":...,"usage":{...}} or
// {"ok":false,"error":{"kind":...,"message":...,...},"usage":{...}}. One
// difference: a host error's message does not carry its Go cause (the
// audit log does), which may name the service's internals. A request that
// does not become a run answers 4xx with {"ok":false,"error":{"kind":
// "request","message":...}} naming the problem: 400 for a body that is not
// the JSON above (unknown fields included) or a tenant, script or label
// that is not acceptable, 401 without the bearer token (Config.Token), 403
// for inline source when it is off, 404 for a script not in service, 413
// for a body over Config.MaxBody. A run the host's admission refuses
// (engine.Admission: too many runs at once, overall or for the tenant,
// for longer than MaxWait) is a 429 with Retry-After and the run JSON of
// kind "busy"; so is a request that arrives when the bodies of the requests
// in progress add up to Config.MaxPendingBytes (a request error, answered
// before its body is read); a run stopped by a shutdown is a 503.
//
// # Scripts, tenants and policies
//
// Scripts are the *.js and *.lua files of Config.Scripts, named by file
// name or by the sha256 of their source; tenant T's policy is T.yaml in
// Config.Policies, and a tenant without one has no capabilities. Tenant
// and script names are letters, digits, '.', '_' and '-', a letter or
// digit first, at most 128 bytes; nothing a request sends becomes a path
// (names are looked up among the directory entries). The directories are
// polled every Config.Reload (2 s) by modification time and size: a changed
// file is compiled or loaded again, a new one added, a removed one taken
// out of service at once. A file that fails keeps its last good version in
// service, and the failure is logged (serve.script_failed,
// serve.policy_failed), counted (scriptrun_reload_errors_total,
// scriptrun_config_files_failing) and listed by /v1/admin/status. A run
// keeps the script and policy it started with. Files are followed through
// symbolic links, so a Kubernetes ConfigMap mount works as a directory.
//
// # Telemetry
//
// Metrics come from an engine.Observer on the host: runs by language and
// outcome, run duration, CPU, steps and memory histograms, budget limits
// hit, host calls by capability and decision, denials by rule, admission
// waits and refusals, worker gauges, requests by handler and status. No
// label takes a tenant, a script or any value a request chooses; capability
// and rule labels come from known sets (the registered capabilities; the
// first 200 rule names, then "other").
//
// Traces: with Config.TracerProvider (TracerFromEnv reads the standard
// OTEL_* variables), each request is a server span continuing the caller's
// W3C traceparent, with a child span per run (tenant, script, sha256,
// outcome, usage) and one per host call (capability, decision, rule).
//
// # Shutdown
//
// Shutdown marks the service not ready, stops accepting connections and
// waits for the runs in progress until its ctx is done; it then stops the
// runs left (they answer 503 with the run JSON "run stopped: the service is
// shutting down") and closes the host. Serve's http.Server has read, write
// and idle timeouts (Config), the write one above the runs' timeout budget,
// and holds at most Config.MaxConns connections at once.
package serve
