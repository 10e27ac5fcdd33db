package policy

import (
	"fmt"
	"strings"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/types"
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

// capLiterals reports string literals in an expression that name a
// capability or module the host does not have: compared with call.name or
// call.module (==, !=, in a list), or used as a key of usage.calls. A
// deny rule `when: call.name == "kv.delte"` would otherwise never apply.
func capLiterals(a *cel.Ast, src string, loc exprLoc, what string, caps []Capability, is *issues) {
	nat := a.NativeRep()
	info := nat.SourceInfo()
	names := make([]string, len(caps))
	for i, c := range caps {
		names[i] = c.Name
	}
	mods := moduleNames(caps)
	// field says what an operand is: "name" (call.name or a usage.calls
	// key), "module" (call.module) or "".
	field := func(e ast.Expr) string {
		if e.Kind() != ast.SelectKind {
			return ""
		}
		s := e.AsSelect()
		op := s.Operand()
		if s.IsTestOnly() || op.Kind() != ast.IdentKind {
			return ""
		}
		switch {
		case op.AsIdent() == "call" && (s.FieldName() == "name" || s.FieldName() == "module"):
			return s.FieldName()
		case op.AsIdent() == "usage" && s.FieldName() == "calls":
			return "calls"
		}
		return ""
	}
	check := func(kind string, lit ast.Expr) {
		if lit.Kind() != ast.LiteralKind {
			return
		}
		v, ok := lit.AsLiteral().(types.String)
		if !ok {
			return
		}
		name, cands, noun := string(v), names, "capability"
		if kind == "module" {
			cands, noun = mods, "module"
		}
		for _, c := range cands {
			if c == name {
				return
			}
		}
		l := info.GetStartLocation(lit.ID())
		msg := fmt.Sprintf("%s: unknown %s %q", what, noun, name)
		if s := suggest(name, cands); s != "" {
			msg += fmt.Sprintf(" (did you mean %s?)", s)
		}
		is.add(loc.at(l.Line(), l.Column()), "%s%s", msg, snippet(src, l))
	}
	ast.PreOrderVisit(nat.Expr(), ast.NewExprVisitor(func(e ast.Expr) {
		if e.Kind() != ast.CallKind {
			return
		}
		c := e.AsCall()
		args := c.Args()
		if len(args) != 2 {
			return
		}
		switch c.FunctionName() {
		case "_==_", "_!=_":
			for i := range 2 {
				if f := field(args[i]); f == "name" || f == "module" {
					check(f, args[1-i])
				}
			}
		case "@in":
			switch f := field(args[1]); {
			case f == "calls":
				check("name", args[0])
			case field(args[0]) != "" && field(args[0]) != "calls" && args[1].Kind() == ast.ListKind:
				for _, el := range args[1].AsList().Elements() {
					check(field(args[0]), el)
				}
			}
		case "_[_]":
			if field(args[0]) == "calls" {
				check("name", args[1])
			}
		}
	}))
}
