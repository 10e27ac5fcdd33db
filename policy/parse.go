package policy

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	yaml "go.yaml.in/yaml/v3"

	"github.com/scriptrun/scriptrun/internal/yamlpos"
	"github.com/scriptrun/scriptrun/limits"
	"github.com/scriptrun/scriptrun/loc"
)

// exprLoc maps positions inside an expression to positions in the file.
type exprLoc struct {
	pos   Pos  // position of the expression's first character
	block bool // block scalar: expression line i is file line pos.Line+i-1, same indentation
	fixed bool // position not known inside the expression: always report pos
}

// at maps a CEL location (1-based line, 0-based column) to a file position.
func (l exprLoc) at(line, col int) Pos {
	p := l.pos
	switch {
	case l.fixed || p.Line == 0:
	case line <= 1:
		p.Col += col
	case l.block:
		p.Line += line - 1
		p.Col += col
	default: // multi-line flow scalar: the best we can do
		p.Line += line - 1
		p.Col = col + 1
	}
	return p
}

// Load reads the policy file at path and parses it with Parse; positions in
// errors use path as given.
func Load(path string, opts Options) (*Policy, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data, opts)
}

// Parse parses and compiles a YAML policy. filename is used in positions.
// Every problem found is reported in the returned *Error.
func Parse(filename string, data []byte, opts Options) (*Policy, error) {
	ps := &parser{file: filename, lines: strings.Split(string(data), "\n")}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		ps.is.list = append(ps.is.list, yamlIssue(filename, data, err))
		return nil, ps.is.err()
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		ps.is.add(Pos{File: filename, Line: 1, Col: 1}, "empty policy")
		return nil, ps.is.err()
	}
	p := ps.policy(doc.Content[0])
	np := compile(p, opts, false, &ps.is)
	sort.SliceStable(ps.is.list, func(i, j int) bool {
		a, b := ps.is.list[i].Pos, ps.is.list[j].Pos
		return a.Line < b.Line || a.Line == b.Line && a.Col < b.Col
	})
	if err := ps.is.err(); err != nil {
		return nil, err
	}
	return np, nil
}

// yamlIssue turns a yaml.v3 syntax error into an Issue at the problem's
// line and column (yaml.v3 reports the line of the enclosing construct;
// see internal/yamlpos), with the line and a caret under the message.
func yamlIssue(file string, data []byte, err error) Issue {
	var e *yamlpos.Error
	if !errors.As(yamlpos.Locate(file, data, err), &e) {
		return Issue{Pos: Pos{File: file}, Msg: "invalid YAML: " + err.Error()}
	}
	msg := "invalid YAML: " + e.Msg
	if frame := loc.Snippet(string(data), e.Pos, loc.YAML); frame != "" {
		msg += "\n" + frame
	}
	return Issue{Pos: e.Pos, Msg: msg}
}

type parser struct {
	file  string
	lines []string
	is    issues
}

func (ps *parser) pos(n *yaml.Node) Pos {
	return Pos{File: ps.file, Line: n.Line, Col: n.Column}
}

// mapping returns the key/value pairs of a mapping node, reporting what
// yamlpos.Pairs finds wrong with it.
func (ps *parser) mapping(n *yaml.Node, what string) [][2]*yaml.Node {
	return yamlpos.Pairs(n, what, func(at *yaml.Node, msg string) { ps.is.add(ps.pos(at), "%s", msg) })
}

func (ps *parser) unknown(k *yaml.Node, what string) {
	ps.is.add(ps.pos(k), "%s: unknown key %q", what, k.Value)
}

func (ps *parser) str(n *yaml.Node, what string) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" && n.Value == "" {
		ps.is.add(ps.pos(n), "%s must be a string", what)
		return "", false
	}
	return n.Value, true
}

func (ps *parser) policy(n *yaml.Node) *Policy {
	p := &Policy{}
	hasName := false
	for _, kv := range ps.mapping(n, "policy") {
		k, v := kv[0], kv[1]
		switch k.Value {
		case "name":
			p.Name, hasName = ps.str(v, "name")
			if hasName && p.Name == "" {
				ps.is.add(ps.pos(v), "name must not be empty")
			}
		case "mode":
			if s, ok := ps.str(v, "mode"); ok {
				switch Mode(s) {
				case Enforce, Audit:
					p.Mode = Mode(s)
				default:
					ps.is.add(ps.pos(v), "mode %q: want enforce or audit", s)
				}
			}
		case "limits":
			p.Limits = ps.limits(v)
		case "catchableDenials":
			p.CatchableDenials = ps.boolean(v, "catchableDenials")
		case "audit":
			for _, kv := range ps.mapping(v, "audit") {
				switch kv[0].Value {
				case "args":
					p.LogArgs = ps.boolean(kv[1], "audit.args")
				default:
					ps.unknown(kv[0], "audit")
				}
			}
		case "containment":
			p.Containment = ps.containment(v)
		case "rules":
			if v.Kind != yaml.SequenceNode {
				ps.is.add(ps.pos(v), "rules must be a list")
				continue
			}
			for _, rn := range v.Content {
				if r := ps.rule(rn); r != nil {
					p.Rules = append(p.Rules, r)
				}
			}
		default:
			ps.unknown(k, "policy")
		}
	}
	if !hasName && n.Kind == yaml.MappingNode {
		ps.is.add(ps.pos(n), "policy: name is required")
	}
	return p
}

func (ps *parser) boolean(n *yaml.Node, what string) bool {
	var b bool
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" || n.Decode(&b) != nil {
		ps.is.add(ps.pos(n), "%s must be true or false", what)
	}
	return b
}

func (ps *parser) containment(n *yaml.Node) *Containment {
	c := &Containment{Pos: ps.pos(n)}
	for _, kv := range ps.mapping(n, "containment") {
		k, v := kv[0], kv[1]
		switch k.Value {
		case "mode":
			if s, ok := ps.str(v, "containment.mode"); ok {
				switch Mode(s) {
				case Enforce, Audit:
					c.Mode = Mode(s)
				default:
					ps.is.add(ps.pos(v), "containment.mode %q: want enforce or audit", s)
				}
			}
		case "window":
			c.Window = ps.duration(v, "containment.window")
		case "history":
			c.History = ps.duration(v, "containment.history")
		case "rules":
			if v.Kind != yaml.SequenceNode {
				ps.is.add(ps.pos(v), "containment.rules must be a list")
				continue
			}
			for _, rn := range v.Content {
				if r := ps.containRule(rn); r != nil {
					c.Rules = append(c.Rules, r)
				}
			}
		default:
			ps.unknown(k, "containment")
		}
	}
	return c
}

func (ps *parser) containRule(n *yaml.Node) *ContainmentRule {
	r := &ContainmentRule{Pos: ps.pos(n)}
	what := "containment rule"
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == "name" && n.Content[i+1].Kind == yaml.ScalarNode {
				what = fmt.Sprintf("containment rule %q", n.Content[i+1].Value)
			}
		}
	}
	kvs := ps.mapping(n, what)
	if kvs == nil && n.Kind != yaml.MappingNode {
		return nil
	}
	for _, kv := range kvs {
		k, v := kv[0], kv[1]
		switch k.Value {
		case "name":
			r.Name, _ = ps.str(v, what+": name")
		case "when":
			r.When, r.whenLoc = ps.expr(v, what+": when")
		case "action":
			if s, ok := ps.str(v, what+": action"); ok {
				r.Action = Action(s)
			}
		case "for":
			r.For = ps.duration(v, what+": for")
		case "revoke":
			r.Revoke, r.capPos = ps.caps(v, what+": revoke")
		case "limits":
			r.Limits = ps.limits(v)
		default:
			ps.unknown(k, what)
		}
	}
	return r
}

func (ps *parser) limits(n *yaml.Node) Limits {
	var l Limits
	for _, kv := range ps.mapping(n, "limits") {
		k, v := kv[0], kv[1]
		f, ok := limitField(k.Value)
		if !ok {
			if _, isField := limits.FieldNamed(k.Value); isField {
				ps.is.add(ps.pos(k), "limits: a policy cannot cap %s", k.Value)
			} else {
				ps.unknown(k, "limits")
			}
			continue
		}
		// A count is a YAML integer; a size or a duration may be written
		// as a number (65536, 0) or a string (64KiB, 2s).
		if v.Kind != yaml.ScalarNode || f.Kind == limits.Count && v.Tag != "!!int" {
			ps.is.add(ps.pos(v), "limits.%s: %s, got %q", k.Value, wantOf(f), v.Value)
			continue
		}
		x, err := f.Parse(v.Value)
		if err != nil {
			ps.is.add(ps.pos(v), "limits.%s: %v, got %q", k.Value, err, v.Value)
			continue
		}
		f.Set(&l, x)
	}
	return l
}

// limitField returns the budget field whose policy key is key.
func limitField(key string) (limits.Field, bool) {
	for _, f := range limits.Fields() {
		if f.Key != "" && f.Key == key {
			return f, true
		}
	}
	return limits.Field{}, false
}

// wantOf says what a value of f looks like.
func wantOf(f limits.Field) string {
	_, err := f.Parse("")
	return err.Error()
}

func (ps *parser) duration(n *yaml.Node, what string) time.Duration {
	if n.Kind == yaml.ScalarNode {
		if n.Value == "0" {
			return 0
		}
		if d, err := time.ParseDuration(n.Value); err == nil && d >= 0 {
			return d
		}
	}
	ps.is.add(ps.pos(n), "%s: want a duration like 2s or 500ms, got %q", what, n.Value)
	return 0
}

// ParseSize parses a byte count as policies write it: "65536", "64MiB",
// "512KB", "1 GiB" (units B, KiB, MiB, GiB, KB, MB, GB). It is
// limits.ParseSize.
func ParseSize(s string) (int64, bool) { return limits.ParseSize(s) }

func (ps *parser) rule(n *yaml.Node) *Rule {
	r := &Rule{Pos: ps.pos(n)}
	what := "rule"
	// Find the name first so problems can name the rule.
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == "name" && n.Content[i+1].Kind == yaml.ScalarNode {
				what = fmt.Sprintf("rule %q", n.Content[i+1].Value)
			}
		}
	}
	kvs := ps.mapping(n, what)
	if kvs == nil && n.Kind != yaml.MappingNode {
		return nil
	}
	hasName := false
	var allowPos, denyPos []Pos
	for _, kv := range kvs {
		k, v := kv[0], kv[1]
		switch k.Value {
		case "name":
			r.Name, hasName = ps.str(v, what+": name")
			if hasName && r.Name == "" {
				ps.is.add(ps.pos(v), "%s: name must not be empty", what)
			}
		case "match":
			r.Match, r.loc[0] = ps.expr(v, what+": match")
		case "when":
			r.When, r.loc[1] = ps.expr(v, what+": when")
		case "message":
			r.Message, r.loc[2] = ps.expr(v, what+": message")
		case "allow":
			r.Allow, allowPos = ps.caps(v, what+": allow")
		case "deny":
			r.Deny, denyPos = ps.caps(v, what+": deny")
		default:
			ps.unknown(k, what)
		}
	}
	r.capPos = append(allowPos, denyPos...)
	if !hasName {
		ps.is.add(ps.pos(n), "%s: name is required", what)
	}
	switch {
	case hasKey(n, "allow") && hasKey(n, "deny"):
		ps.is.add(ps.pos(n), "%s: has both allow and deny", what)
	case !hasKey(n, "allow") && !hasKey(n, "deny"):
		ps.is.add(ps.pos(n), "%s: needs an allow or deny list", what)
	}
	return r
}

func (ps *parser) caps(n *yaml.Node, what string) ([]string, []Pos) {
	if n.Kind != yaml.SequenceNode {
		ps.is.add(ps.pos(n), "%s must be a list of capability patterns", what)
		return nil, nil
	}
	if len(n.Content) == 0 {
		ps.is.add(ps.pos(n), "%s must not be empty", what)
		return nil, nil
	}
	var out []string
	var pos []Pos
	for _, c := range n.Content {
		s, ok := ps.str(c, what+" entries")
		if !ok {
			continue
		}
		if !capPattern.MatchString(s) {
			ps.is.add(ps.pos(c), "%s: bad capability pattern %q (want module.function, module.* or *)", what, s)
			continue
		}
		out = append(out, s)
		pos = append(pos, ps.pos(c))
	}
	return out, pos
}

// expr returns an expression's source and where it starts in the file.
func (ps *parser) expr(n *yaml.Node, what string) (string, exprLoc) {
	s, ok := ps.str(n, what)
	if !ok {
		return "", exprLoc{}
	}
	if strings.TrimSpace(s) == "" {
		ps.is.add(ps.pos(n), "%s must not be empty", what)
	}
	loc := exprLoc{pos: ps.pos(n)}
	switch n.Style {
	case yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle:
		loc.pos.Col++
	case yaml.LiteralStyle, yaml.FoldedStyle:
		// The content starts on the first non-blank line after the indicator.
		loc.block = n.Style == yaml.LiteralStyle
		loc.fixed = n.Style == yaml.FoldedStyle
		for i := n.Line; i < len(ps.lines); i++ {
			line := ps.lines[i]
			if strings.TrimSpace(line) == "" {
				continue
			}
			loc.pos.Line = i + 1
			loc.pos.Col = len(line) - len(strings.TrimLeft(line, " ")) + 1
			// Blank leading lines are part of the literal value.
			if loc.block {
				loc.pos.Line -= countLeadingNewlines(s)
			}
			break
		}
	}
	return s, loc
}

func hasKey(n *yaml.Node, key string) bool {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return true
		}
	}
	return false
}

func countLeadingNewlines(s string) int {
	return len(s) - len(strings.TrimLeft(s, "\n"))
}
