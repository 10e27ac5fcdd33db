package policy

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
)

// Revision returns the policy's revision: the hex SHA-256 of a canonical
// form of what decides (name, mode, limits, options, rules and containment
// rules, in order; not positions, comments or YAML layout). Two policies with
// the same revision decide alike, whether parsed or built with New; audit
// events carry it so a decision can be traced to the policy that made it.
func (p *Policy) Revision() string { return p.revision }

// revisionOf computes the revision of a compiled policy.
func revisionOf(p *Policy) string {
	type rule struct {
		Name, Match   string
		Allow, Deny   []string
		When, Message string
	}
	c := struct {
		Format           int
		Name             string
		Mode             Mode
		Limits           Limits
		CatchableDenials bool
		LogArgs          bool
		Rules            []rule
		Containment      any `json:",omitempty"`
	}{Format: 1, Name: p.Name, Mode: p.Mode, Limits: p.Limits, CatchableDenials: p.CatchableDenials, LogArgs: p.LogArgs}
	for _, r := range p.Rules {
		if r != nil {
			c.Rules = append(c.Rules, rule{r.Name, r.Match, r.Allow, r.Deny, r.When, r.Message})
		}
	}
	if p.Containment != nil {
		c.Containment = p.Containment.canonical()
	}
	b, err := json.Marshal(c)
	if err != nil {
		// Strings, numbers and lists only: cannot happen.
		panic("policy: revision: " + err.Error())
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
