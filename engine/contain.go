package engine

import (
	"github.com/scriptrun/scriptrun/limits"
)

// Containment is a monitor that watches runs and can hold them back
// (Config.Containment; package contain implements it). It is an Observer,
// told every run's events besides Config.Observer, and the host asks it
// twice more:
//
//   - Admit, when a run starts, before its budget takes effect: an error
//     refuses the run (a quarantine: an *Error of KindQuarantined), and the
//     Hold's Budget are ceilings the run's budget is clamped to (tightened
//     budgets);
//   - Revoked, before the policy decides each host call of an admitted run:
//     a revoked capability is denied like a policy denial (an overlay deny
//     rule, audited, catchable when the policy's denials are), so a
//     revocation takes effect at the run's next host call, also mid-run.
//
// Its methods are called from concurrent runs and must not block; Revoked
// is on every host call's path, so it should be cheap.
type Containment interface {
	Observer
	Admit(r *RunInfo) (Hold, error)
	Revoked(r *RunInfo, capability string) (Revocation, bool)
}

// Hold is what containment does to an admitted run.
type Hold struct {
	// Budget holds ceilings over the run's budget (zero fields: none);
	// the tighter of these and the run's own numbers apply.
	Budget limits.Budget
	// Rules names the containment rules behind Budget, for the audit log.
	Rules []string
}

// Revocation is a capability containment took away from a script.
type Revocation struct {
	Rule    string // "containment:<rule name>", as audit events and errors show it
	Message string // why, for the script's error and the audit log
}

// ErrQuarantined matches (errors.Is) the error of a run refused because its
// script is quarantined: an *Error of KindQuarantined whose Rule names the
// containment rule ("containment:<name>").
var ErrQuarantined error = &Error{Kind: KindQuarantined}
