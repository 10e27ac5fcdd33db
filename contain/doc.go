// Package contain is the containment monitor: it watches a host's runs per
// (tenant, script name), evaluates the containment rules of the runs'
// policies over their statistics, and takes the actions the rules call for.
//
//	mon, err := contain.New(contain.Config{Logger: &log})
//	host, err := engine.NewHost(engine.Config{..., Containment: mon})
//	...
//	for _, a := range mon.Actions() { ... }   // what is in force
//	err = mon.Lift(id)                        // an operator ends one
//
// # Rules
//
// A policy's containment section (see package policy) holds rules whose
// `when` is CEL over `stats` (policy.Stats): runs, failures (by kind, and
// the failure streak), host calls and denials (per capability, and the
// denial rate), CPU and memory (mean and max) over a sliding window, the
// same over the script's longer history, and the capabilities and hosts it
// has ever used, with the ones new in the event at hand:
//
//	containment:
//	  window: 10m            # the span of stats' counts (default 10m)
//	  history: 24h           # the span of stats.history (default 24h)
//	  mode: enforce          # or audit: log the actions, take none (default: the policy's mode)
//	  rules:
//	    - name: denial-spike
//	      when: stats.hostCalls >= 20 && stats.denialRate > 0.5
//	      action: revoke
//	      revoke: [http.*]
//	      for: 15m
//	    - name: crash-loop
//	      when: stats.failureStreak >= 10
//	      action: quarantine
//	      for: 1h
//	    - name: cpu-hog
//	      when: stats.history.runs >= 50 && stats.cpu.mean > 4.0 * stats.history.cpu.mean
//	      action: tighten
//	      limits: {cpu: 100ms}
//	      for: 30m
//	    - name: new-host
//	      when: stats.history.runs >= 50 && size(stats.newHosts) > 0
//	      action: warn
//
// The rules of a run's policy are evaluated when the run finishes, and
// during the run after each host call that was denied (or would be, in
// audit mode) or failed, or that used a capability or reached a host never
// seen before for the script: so a revoke fired by a script that starts
// denying applies from that run's next host call. A rule that fails to
// evaluate does not fire (a containment.error event). Runs refused by a
// quarantine are not counted, nor runs stopped from outside the script
// (the process-wide heap ceiling, which stops every run, and the caller's
// cancellation), whose host calls count all the same.
//
// # Actions
//
// Every action lasts for the rule's `for` and then expires; the operator
// may end it sooner (Lift). While it lasts the rule does not fire again for
// the script.
//
//   - warn: a containment.warn event, nothing else.
//   - tighten: the script's runs get the rule's limits as ceilings over
//     their budgets (engine.Hold).
//   - revoke: each host call of the script whose capability matches one of
//     the patterns is denied with rule "containment:<name>", audited like any
//     denial (host.call, policy.denied) and catchable where the policy makes
//     denials catchable; from the next host call on, also mid-run.
//   - quarantine: the script's runs are refused with an *engine.Error of
//     kind quarantined (errors.Is(err, engine.ErrQuarantined)), Rule
//     "containment:<name>"; the CLI exits 6.
//
// With `mode: audit` the actions are logged (mode "audit") and listed but
// not taken; a section without a mode has the policy's, so a policy tried
// out in audit mode does not act through containment either. Each action is an audit event: containment.warn,
// containment.tighten, containment.revoke, containment.quarantine when
// taken, containment.lifted and containment.expired when it ends,
// containment.dropped when the bound on actions pushed it out. When an
// action (other than warn) ends, the script's window statistics and failure
// streak start afresh: the evidence behind it is spent, and the script gets
// a clean start instead of being caught again by the same numbers. Its
// history and the capabilities and hosts it used stay.
//
// # Keys and bounds
//
// Statistics and actions are kept by tenant and script name
// (engine.Identity.Tenant, engine.Source.Name), not by source hash: a script
// uploaded again under the same name keeps its record and stays
// quarantined. A script that can rename itself escapes that; the name is the
// integrator's to choose.
//
// Memory is bounded: at most Config.MaxScripts scripts are tracked (the
// least recently run is forgotten, its statistics only; its actions stay),
// and one tenant may hold only MaxScriptsPerTenant of them, so a tenant
// making up names pushes out its own records, not other tenants'. Actions
// are bounded likewise (MaxActions, and MaxScriptsPerTenant per tenant);
// capabilities and hosts remembered per script by MaxSet.
//
// The monitor is safe for concurrent use. Host calls of scripts without
// revocations cost one atomic load (Revoked) plus the statistics update.
package contain
