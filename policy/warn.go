package policy

import (
	"fmt"
	"sort"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/types"
)

// Warnings returns the problems found at load that do not stop the policy
// from loading: rules reading a map key that a run or call may lack (see
// the package doc, "Warnings"). The result is a fresh copy, in file order;
// a nil Policy (a failed load) has none.
func (p *Policy) Warnings() []Issue {
	if p == nil {
		return nil
	}
	return append([]Issue(nil), p.warnings...)
}

// optionalArgs returns the args keys that a call matched by pats may lack,
// sorted, with the capability that makes each optional; nil if the
// policy's capabilities are not known.
func optionalArgs(pats []string, caps []Capability) map[string]string {
	out := map[string]string{}
	for _, c := range caps {
		if !matchAny(pats, c.Name) {
			continue
		}
		for _, k := range c.Optional {
			if _, ok := out[k]; !ok {
				out[k] = c.Name
			}
		}
	}
	return out
}

// mapReads finds reads of script.labels keys, and of args keys in
// optional, that nothing in the expression guards with has() or `in`,
// and adds a warning for each at its position.
func mapReads(a *cel.Ast, src string, loc exprLoc, what string, optional map[string]string, is *issues) {
	nat := a.NativeRep()
	info := nat.SourceInfo()
	guarded := map[string]bool{} // "args.x", "labels.x"
	type read struct {
		key, form string
		id        int64
	}
	var reads []read
	// mapOf names the map an operand is: "args", "labels" or "".
	mapOf := func(e ast.Expr) string {
		switch {
		case e.Kind() == ast.IdentKind && e.AsIdent() == "args":
			return "args"
		case e.Kind() == ast.SelectKind && e.AsSelect().FieldName() == "labels" &&
			e.AsSelect().Operand().Kind() == ast.IdentKind && e.AsSelect().Operand().AsIdent() == "script":
			return "labels"
		}
		return ""
	}
	constKey := func(e ast.Expr) (string, bool) {
		if e.Kind() != ast.LiteralKind {
			return "", false
		}
		s, ok := e.AsLiteral().(types.String)
		return string(s), ok
	}
	ast.PreOrderVisit(nat.Expr(), ast.NewExprVisitor(func(e ast.Expr) {
		switch e.Kind() {
		case ast.SelectKind:
			s := e.AsSelect()
			m := mapOf(s.Operand())
			if m == "" {
				return
			}
			if s.IsTestOnly() {
				guarded[m+"."+s.FieldName()] = true
				return
			}
			reads = append(reads, read{m + "." + s.FieldName(), "." + s.FieldName(), e.ID()})
		case ast.CallKind:
			c := e.AsCall()
			if len(c.Args()) != 2 {
				return
			}
			k, ok := constKey(c.Args()[0])
			if c.FunctionName() == "@in" && ok {
				if m := mapOf(c.Args()[1]); m != "" {
					guarded[m+"."+k] = true
				}
				return
			}
			k, ok = constKey(c.Args()[1])
			if c.FunctionName() == "_[_]" && ok {
				if m := mapOf(c.Args()[0]); m != "" {
					reads = append(reads, read{m + "." + k, fmt.Sprintf("[%q]", k), e.ID()})
				}
			}
		}
	}))
	sort.SliceStable(reads, func(i, j int) bool { return reads[i].id < reads[j].id })
	for _, r := range reads {
		if guarded[r.key] {
			continue
		}
		l := info.GetStartLocation(r.id)
		pos := loc.at(l.Line(), l.Column())
		var msg string
		switch m, k := r.key[:len("args")], r.key[len("args."):]; {
		case m == "args":
			capName, ok := optional[k]
			if !ok {
				continue
			}
			msg = fmt.Sprintf("%s: args%s: %s is optional for %s, so a call may lack it and the rule then fails (denies); guard it: has(args.%s) && ...",
				what, r.form, k, capName, k)
		default:
			k := r.key[len("labels."):]
			msg = fmt.Sprintf("%s: script.labels%s: a run without the label %q fails the rule (denies); guard it: \"%s\" in script.labels && ...",
				what, r.form, k, k)
		}
		is.warn = append(is.warn, Issue{Pos: pos, Msg: msg + snippet(src, l)})
	}
}
