package policy

import (
	"strings"
)

// checkCap reports a capability pattern of a rule that names no capability
// in caps: a name not provided, or a module.* or * that matches none.
func checkCap(pat string, caps []Capability, pos Pos, what string, is *issues) {
	for _, c := range caps {
		if matchAny([]string{pat}, c.Name) {
			return
		}
	}
	switch {
	case pat == "*":
		is.add(pos, "%s: pattern * matches no capability (no host functions are registered)", what)
	case strings.HasSuffix(pat, ".*"):
		mod := strings.TrimSuffix(pat, ".*")
		if s := suggest(mod, moduleNames(caps)); s != "" {
			is.add(pos, "%s: pattern %s matches no capability: no module %s (did you mean %s.*?)", what, pat, mod, s)
		} else {
			is.add(pos, "%s: pattern %s matches no capability: no module %s", what, pat, mod)
		}
	default:
		names := make([]string, len(caps))
		for i, c := range caps {
			names[i] = c.Name
		}
		if s := suggest(pat, names); s != "" {
			is.add(pos, "%s: unknown capability %s (did you mean %s?)", what, pat, s)
		} else {
			is.add(pos, "%s: unknown capability %s", what, pat)
		}
	}
}

func moduleNames(caps []Capability) []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range caps {
		m, _, _ := strings.Cut(c.Name, ".")
		if !seen[m] {
			seen[m] = true
			out = append(out, m)
		}
	}
	return out
}

// suggest returns the candidate closest to s by edit distance if it is
// close enough to be a likely misspelling (at most 2 edits, and fewer than
// half of s), or "".
func suggest(s string, cands []string) string {
	best, bestD := "", 3
	for _, c := range cands {
		if d := editDistance(s, c); d < bestD && 2*d < len(s) {
			best, bestD = c, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in bytes
// (capability names are ASCII).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
