package suite

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	yaml "go.yaml.in/yaml/v3"

	"github.com/scriptrun/scriptrun/bridge"
	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/internal/yamlpos"
	"github.com/scriptrun/scriptrun/limits"
	"github.com/scriptrun/scriptrun/loc"
	"github.com/scriptrun/scriptrun/policy"
)

// MaxFileBytes is the largest suite, policy or script file a suite reads.
// A suite is input too: a file over it is a suite error, not a parse that
// runs out of memory.
const MaxFileBytes = 4 << 20

// maxValueDepth bounds the nesting of a value written in a suite (input,
// args, a mock's result): that of the bridge value model.
const maxValueDepth = bridge.DefaultMaxDepth

// defaultNow is the clock of policy cases without now and of script
// suites without now: the CLI's --deterministic clock.
var defaultNow = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// defaultSeed is the seed of script cases (as --deterministic).
const defaultSeed = 1

// parser turns a suite's YAML into a Suite, collecting every problem.
type parser struct {
	file string
	is   issues
}

func (ps *parser) pos(n *yaml.Node) loc.Pos {
	return loc.Pos{File: ps.file, Line: n.Line, Col: n.Column}
}

// mapping returns the key/value pairs of a mapping node, reporting what
// yamlpos.Pairs finds wrong with it.
func (ps *parser) mapping(n *yaml.Node, what string) [][2]*yaml.Node {
	return yamlpos.Pairs(n, what, func(at *yaml.Node, msg string) { ps.is.add(ps.pos(at), "%s", msg) })
}

func (ps *parser) unknown(k *yaml.Node, what string, known string) {
	ps.is.add(ps.pos(k), "%s: unknown key %q (want %s)", what, k.Value, known)
}

func (ps *parser) str(n *yaml.Node, what string) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		ps.is.add(ps.pos(n), "%s must be a string", what)
		return "", false
	}
	return n.Value, true
}

// nonEmpty is str that also refuses "".
func (ps *parser) nonEmpty(n *yaml.Node, what string) (string, bool) {
	s, ok := ps.str(n, what)
	if ok && s == "" {
		ps.is.add(ps.pos(n), "%s must not be empty", what)
		return "", false
	}
	return s, ok
}

func (ps *parser) count(n *yaml.Node, what string) (int64, bool) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!int" {
		if v, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64); err == nil && v >= 0 {
			return v, true
		}
	}
	ps.is.add(ps.pos(n), "%s: want a non-negative integer, got %s", what, describe(n))
	return 0, false
}

func (ps *parser) duration(n *yaml.Node, what string) (time.Duration, bool) {
	if n.Kind == yaml.ScalarNode {
		if d, err := time.ParseDuration(n.Value); err == nil && d >= 0 {
			return d, true
		}
	}
	ps.is.add(ps.pos(n), "%s: want a duration like 2s or 500ms, got %s", what, describe(n))
	return 0, false
}

func (ps *parser) time(n *yaml.Node, what string) (time.Time, bool) {
	if n.Kind == yaml.ScalarNode {
		if t, err := time.Parse(time.RFC3339Nano, n.Value); err == nil {
			return t, true
		}
	}
	ps.is.add(ps.pos(n), "%s: want an RFC 3339 time like 2026-01-01T00:00:00Z, got %s", what, describe(n))
	return time.Time{}, false
}

// describe shows a node in a message: a scalar's text, else its kind.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.ScalarNode:
		v := n.Value
		if len(v) > 40 {
			v = v[:40] + "..."
		}
		return strconv.Quote(v)
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	return "nothing"
}

// value converts a node to the bridge value model (null, bool, int64,
// float64, string, bytes from !!binary, lists, maps with string keys),
// checked as bridge.Copy checks a host function's result.
func (ps *parser) value(n *yaml.Node, what string) (any, bool) {
	v, err := ps.conv(n, 1)
	if err != nil {
		ps.is.add(err.pos, "%s: %s", what, err.msg)
		return nil, false
	}
	out, _, cerr := bridge.Copy(v, bridge.ValueLimits{})
	if cerr != nil {
		ps.is.add(ps.pos(n), "%s: not a value a script can get: %v", what, cerr)
		return nil, false
	}
	return out, true
}

type convError struct {
	pos loc.Pos
	msg string
}

func (ps *parser) conv(n *yaml.Node, depth int) (any, *convError) {
	fail := func(n *yaml.Node, format string, args ...any) (any, *convError) {
		return nil, &convError{pos: ps.pos(n), msg: fmt.Sprintf(format, args...)}
	}
	switch n.Kind {
	case yaml.AliasNode:
		return fail(n, "YAML aliases are not supported")
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			return nil, nil
		case "!!bool":
			var b bool
			if err := n.Decode(&b); err != nil {
				return fail(n, "bad boolean %q", n.Value)
			}
			return b, nil
		case "!!int":
			var i int64
			if err := n.Decode(&i); err != nil {
				return fail(n, "integer %s is out of range", n.Value)
			}
			if i > bridge.MaxSafeInt || i < -bridge.MaxSafeInt {
				return fail(n, "integer %s is beyond ±2^53, which scripts cannot hold exactly", n.Value)
			}
			return i, nil
		case "!!float":
			var f float64
			if err := n.Decode(&f); err != nil {
				return fail(n, "bad number %q", n.Value)
			}
			v, ok := bridge.Num(f)
			if !ok {
				return fail(n, "%s is not a finite number (NaN and infinities have no JSON form)", n.Value)
			}
			return v, nil
		case "!!str", "!!timestamp":
			// A timestamp stays the text it was written as: the value
			// model has no time type.
			return n.Value, nil
		case "!!binary":
			b, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(n.Value), ""))
			if err != nil {
				return fail(n, "bad !!binary: %v", err)
			}
			return b, nil
		default:
			return fail(n, "unsupported YAML tag %s", n.Tag)
		}
	}
	if depth > maxValueDepth {
		return fail(n, "nested deeper than %d levels", maxValueDepth)
	}
	switch n.Kind {
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := ps.conv(c, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode || k.Tag == "!!null" {
				return fail(k, "map keys must be strings")
			}
			if _, dup := out[k.Value]; dup {
				return fail(k, "duplicate key %q", k.Value)
			}
			x, err := ps.conv(v, depth+1)
			if err != nil {
				return nil, err
			}
			out[k.Value] = x
		}
		return out, nil
	}
	return fail(n, "not a value")
}

// readFile reads a regular file of at most MaxFileBytes.
func readFile(path string) ([]byte, error) { return readFileMax(path, MaxFileBytes) }

// readFileMax reads a regular file (never a FIFO or device, which could
// block or never end) of at most max bytes.
func readFileMax(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%s is over %d bytes", path, max)
	}
	return data, nil
}

// rel resolves a path written in a suite against the suite's directory.
func (ps *parser) rel(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(filepath.Dir(ps.file), p)
}

// parse parses a suite file's YAML; files it names are read by Load.
func parse(file string, data []byte) (*Suite, error) {
	ps := &parser{file: file}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		ps.is.list = append(ps.is.list, yamlIssue(file, data, err))
		return nil, ps.is.err()
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		ps.is.add(loc.Pos{File: file, Line: 1, Col: 1}, "empty suite: want policy: or script:, and cases:")
		return nil, ps.is.err()
	}
	root := doc.Content[0]
	s := &Suite{File: file}
	if root.Kind == yaml.MappingNode && hasKey(root, "script") {
		s.Kind = KindScript
		ps.scriptSuite(root, s)
	} else if root.Kind == yaml.MappingNode && hasKey(root, "policy") {
		s.Kind = KindPolicy
		ps.policySuite(root, s)
	} else {
		ps.is.add(ps.pos(root), "a suite needs policy: (a policy suite) or script: (a script suite)")
		return nil, ps.is.err()
	}
	if err := ps.is.err(); err != nil {
		return nil, err
	}
	return s, nil
}

// yamlIssue turns a yaml.v3 syntax error into an Issue at the line (and
// column, where it can be found) of the problem (internal/yamlpos: yaml.v3
// often names a later line).
func yamlIssue(file string, data []byte, err error) Issue {
	var e *yamlpos.Error
	if !errors.As(yamlpos.Locate(file, data, err), &e) {
		return Issue{Pos: loc.Pos{File: file, Line: 1, Col: 1}, Msg: "invalid YAML: " + err.Error()}
	}
	return Issue{Pos: e.Pos, Msg: "invalid YAML: " + e.Msg}
}

// withFrames adds to each issue at a line of the suite file (data) a code
// frame, the line with a caret under the column (loc.Snippet: escaped for
// a terminal). Issues in other files (a policy's) have their own.
func withFrames(err error, file string, data []byte) error {
	var se *Error
	if !errors.As(err, &se) {
		return err
	}
	for i, is := range se.Issues {
		if is.Pos.File != file || is.Pos.Line <= 0 || strings.Contains(is.Msg, "\n") {
			continue
		}
		if f := loc.Snippet(string(data), is.Pos, loc.YAML); f != "" {
			se.Issues[i].Msg += "\n" + f
		}
	}
	return se
}

func hasKey(n *yaml.Node, key string) bool {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return true
		}
	}
	return false
}

// cases parses the cases: list with each through one.
func (ps *parser) cases(n *yaml.Node, s *Suite, one func(n *yaml.Node, c *Case)) {
	if n.Kind != yaml.SequenceNode {
		ps.is.add(ps.pos(n), "cases must be a list")
		return
	}
	if len(n.Content) == 0 {
		ps.is.add(ps.pos(n), "cases must not be empty")
	}
	seen := map[string]loc.Pos{}
	for i, cn := range n.Content {
		c := &Case{Pos: ps.pos(cn), Name: fmt.Sprintf("case %d", i+1)}
		if cn.Kind == yaml.MappingNode {
			for j := 0; j+1 < len(cn.Content); j += 2 {
				if cn.Content[j].Value == "name" {
					if name, ok := ps.nonEmpty(cn.Content[j+1], "case name"); ok {
						c.Name = name
						if p, dup := seen[name]; dup {
							ps.is.add(ps.pos(cn.Content[j+1]), "case %q: duplicate case name (first at %s)", name, p)
						}
						seen[name] = c.Pos
					}
				}
			}
			if !hasKey(cn, "name") {
				ps.is.add(c.Pos, "%s: name is required", c.Name)
			}
		}
		one(cn, c)
		s.Cases = append(s.Cases, c)
	}
}

// ---- policy suites

func (ps *parser) policySuite(n *yaml.Node, s *Suite) {
	p := &policySuite{now: defaultNow}
	s.pol = p
	var casesNode *yaml.Node
	for _, kv := range ps.mapping(n, "policy suite") {
		k, v := kv[0], kv[1]
		switch k.Value {
		case "policy":
			if f, ok := ps.nonEmpty(v, "policy"); ok {
				p.path, p.pathPos = ps.rel(f), ps.pos(v)
			}
		case "defaults":
			for _, kv := range ps.mapping(v, "defaults") {
				k, v := kv[0], kv[1]
				switch k.Value {
				case "script":
					ps.script(v, "defaults.script", &p.script)
				case "now":
					if t, ok := ps.time(v, "defaults.now"); ok {
						p.now = t
					}
				case "usage":
					ps.usage(v, "defaults.usage", &p.usage)
				default:
					ps.unknown(k, "defaults", "script, now or usage")
				}
			}
		case "cases":
			casesNode = v
		default:
			ps.unknown(k, "policy suite", "policy, defaults or cases")
		}
	}
	if casesNode == nil {
		ps.is.add(ps.pos(n), "policy suite: cases: is required")
		return
	}
	ps.cases(casesNode, s, func(n *yaml.Node, c *Case) {
		pc := &policyCase{script: p.script, usage: p.usage, now: p.now}
		c.pol = pc
		what := fmt.Sprintf("case %q", c.Name)
		hasExpect := false
		for _, kv := range ps.mapping(n, what) {
			k, v := kv[0], kv[1]
			switch k.Value {
			case "name":
			case "call":
				if call, ok := ps.nonEmpty(v, what+": call"); ok {
					mod, fn, ok := strings.Cut(call, ".")
					if !ok || mod == "" || fn == "" || strings.Contains(fn, ".") {
						ps.is.add(ps.pos(v), "%s: call %q: want module.function", what, call)
						break
					}
					pc.call, pc.callPos = policy.Call{Name: call, Module: mod, Function: fn}, ps.pos(v)
				}
			case "args":
				if x, ok := ps.value(v, what+": args"); ok {
					m, isMap := x.(map[string]any)
					if !isMap && x != nil {
						ps.is.add(ps.pos(v), "%s: args must be a mapping of param name to value", what)
						break
					}
					pc.args, pc.argsPos = m, ps.pos(v)
				}
			case "script":
				ps.script(v, what+": script", &pc.script)
			case "usage":
				ps.usage(v, what+": usage", &pc.usage)
			case "now":
				if t, ok := ps.time(v, what+": now"); ok {
					pc.now = t
				}
			case "expect":
				hasExpect = true
				ps.policyExpect(v, what+": expect", &pc.expect)
			default:
				ps.unknown(k, what, "name, call, args, script, usage, now or expect")
			}
		}
		if n.Kind != yaml.MappingNode {
			return
		}
		if pc.call.Name == "" && !hasKey(n, "call") {
			ps.is.add(c.Pos, "%s: call: is required in a policy suite", what)
		}
		if !hasExpect {
			ps.is.add(c.Pos, "%s: expect: is required (at least a decision)", what)
		}
	})
	// policy: is there (that is how the suite is a policy suite); a bad
	// value was reported where it is.
}

// script parses a script identity as policies see it into s, field by field.
func (ps *parser) script(n *yaml.Node, what string, s *policy.Script) {
	for _, kv := range ps.mapping(n, what) {
		k, v := kv[0], kv[1]
		switch k.Value {
		case "name", "lang", "sha256", "tenant":
			x, ok := ps.str(v, what+"."+k.Value)
			if !ok {
				continue
			}
			switch k.Value {
			case "name":
				s.Name = x
			case "lang":
				s.Lang = x
			case "sha256":
				s.SHA256 = x
			case "tenant":
				s.Tenant = x
			}
		case "labels":
			s.Labels = ps.labels(v, what+".labels")
		default:
			ps.unknown(k, what, "name, lang, sha256, tenant or labels")
		}
	}
}

func (ps *parser) labels(n *yaml.Node, what string) map[string]string {
	out := map[string]string{}
	for _, kv := range ps.mapping(n, what) {
		if v, ok := ps.str(kv[1], what+"."+kv[0].Value); ok {
			out[kv[0].Value] = v
		}
	}
	return out
}

func (ps *parser) usage(n *yaml.Node, what string, u *policy.Usage) {
	for _, kv := range ps.mapping(n, what) {
		k, v := kv[0], kv[1]
		switch k.Value {
		case "steps":
			u.Steps, _ = ps.count(v, what+".steps")
		case "hostCalls":
			u.HostCalls, _ = ps.count(v, what+".hostCalls")
		case "elapsed":
			u.Elapsed, _ = ps.duration(v, what+".elapsed")
		case "calls":
			calls := map[string]int64{}
			for _, kv := range ps.mapping(v, what+".calls") {
				if c, ok := ps.count(kv[1], what+".calls."+kv[0].Value); ok {
					calls[kv[0].Value] = c
				}
			}
			u.Calls = calls
		default:
			ps.unknown(k, what, "steps, hostCalls, elapsed or calls")
		}
	}
}

func (ps *parser) policyExpect(n *yaml.Node, what string, e *policyExpect) {
	for _, kv := range ps.mapping(n, what) {
		k, v := kv[0], kv[1]
		switch k.Value {
		case "decision":
			if d, ok := ps.str(v, what+".decision"); ok {
				switch d {
				case decAllow, decDeny, decAuditDeny:
					e.decision = d
				default:
					ps.is.add(ps.pos(v), "%s.decision: %q: want allow, deny or audit-deny", what, d)
				}
			}
		case "rule":
			if r, ok := ps.str(v, what+".rule"); ok {
				e.rule = &r
			}
		case "message":
			if m, ok := ps.str(v, what+".message"); ok {
				e.message = &m
			}
		default:
			ps.unknown(k, what, "decision, rule or message")
		}
	}
	if n.Kind == yaml.MappingNode && e.decision == "" && !hasKey(n, "decision") {
		ps.is.add(ps.pos(n), "%s: decision: is required", what)
	}
}

// ---- script suites

func (ps *parser) budget(n *yaml.Node, what string) limits.Budget {
	var b limits.Budget
	for _, kv := range ps.mapping(n, what) {
		k, v := kv[0], kv[1]
		f, ok := limits.FieldNamed(k.Value)
		if !ok {
			var names []string
			for _, f := range limits.Fields() {
				names = append(names, f.Name)
			}
			ps.unknown(k, what, strings.Join(names, ", "))
			continue
		}
		// A count is a YAML integer; a size or a duration may be written
		// as a number (65536) or a string (64KiB, 2s), as in a policy.
		x, err := f.Parse(v.Value)
		if v.Kind != yaml.ScalarNode || f.Kind == limits.Count && v.Tag != "!!int" {
			_, err = f.Parse("") // what the field wants
		}
		if err != nil {
			ps.is.add(ps.pos(v), "%s.%s: %v, got %s", what, k.Value, err, describe(v))
			continue
		}
		f.Set(&b, x)
	}
	return b
}

func (ps *parser) identity(n *yaml.Node, what string, id *engine.Identity) {
	for _, kv := range ps.mapping(n, what) {
		k, v := kv[0], kv[1]
		switch k.Value {
		case "tenant":
			id.Tenant, _ = ps.str(v, what+".tenant")
		case "labels":
			id.Labels = ps.labels(v, what+".labels")
		default:
			ps.unknown(k, what, "tenant or labels")
		}
	}
}

func (ps *parser) scriptSuite(n *yaml.Node, s *Suite) {
	sc := &scriptSuite{seed: defaultSeed, now: defaultNow}
	s.scr = sc
	var casesNode *yaml.Node
	for _, kv := range ps.mapping(n, "script suite") {
		k, v := kv[0], kv[1]
		switch k.Value {
		case "script":
			if f, ok := ps.nonEmpty(v, "script"); ok {
				sc.path, sc.pathPos = ps.rel(f), ps.pos(v)
			}
		case "lang":
			if l, ok := ps.str(v, "lang"); ok {
				if l != "js" && l != "lua" {
					ps.is.add(ps.pos(v), "lang %q: want js or lua", l)
				}
				sc.lang = l
			}
		case "policy":
			if f, ok := ps.nonEmpty(v, "policy"); ok {
				sc.policyPath, sc.policyPos = ps.rel(f), ps.pos(v)
			}
		case "identity":
			ps.identity(v, "identity", &sc.identity)
		case "budget":
			sc.budget = ps.budget(v, "budget")
		case "seed":
			if x, ok := ps.count(v, "seed"); ok {
				if x == 0 {
					ps.is.add(ps.pos(v), "seed must not be 0")
				}
				sc.seed = uint64(x)
			}
		case "now":
			if t, ok := ps.time(v, "now"); ok {
				sc.now = t
			}
		case "cases":
			casesNode = v
		default:
			ps.unknown(k, "script suite", "script, lang, policy, identity, budget, seed, now or cases")
		}
	}
	if sc.lang == "" && sc.path != "" {
		switch strings.ToLower(filepath.Ext(sc.path)) {
		case ".js":
			sc.lang = "js"
		case ".lua":
			sc.lang = "lua"
		default:
			ps.is.add(sc.pathPos, "script %s: cannot tell its language from the extension (want .js or .lua); add lang:", filepath.Base(sc.path))
		}
	}
	if casesNode == nil {
		ps.is.add(ps.pos(n), "script suite: cases: is required")
		return
	}
	ps.cases(casesNode, s, func(n *yaml.Node, c *Case) {
		scase := &scriptCase{identity: sc.identity}
		c.scr = scase
		what := fmt.Sprintf("case %q", c.Name)
		for _, kv := range ps.mapping(n, what) {
			k, v := kv[0], kv[1]
			switch k.Value {
			case "name":
			case "input":
				scase.input, _ = ps.value(v, what+": input")
			case "identity":
				ps.identity(v, what+": identity", &scase.identity)
			case "kv":
				scase.kv = ps.kvMap(v, what+": kv", false)
			case "mocks":
				ps.mocks(v, what+": mocks", scase)
			case "expect":
				ps.scriptExpect(v, what+": expect", &scase.expect)
			case "recording":
				if f, ok := ps.nonEmpty(v, what+": recording"); ok {
					scase.recording, scase.recordingPos = ps.rel(f), ps.pos(v)
				}
			default:
				ps.unknown(k, what, "name, input, identity, kv, mocks, expect or recording")
			}
		}
		if scase.recording != "" {
			for _, key := range []string{"input", "identity", "kv", "mocks", "expect"} {
				if hasKey(n, key) {
					ps.is.add(c.Pos, "%s: a recording case has only name and recording (the recording holds %s)", what, key)
				}
			}
		}
	})
}

// kvEntry is one key of a kv: mapping, with where it was written.
type kvEntry struct {
	key   string
	value any // nil: (in expect) the key must be absent
	pos   loc.Pos
}

func (ps *parser) kvMap(n *yaml.Node, what string, nullOK bool) []kvEntry {
	var out []kvEntry
	for _, kv := range ps.mapping(n, what) {
		k, v := kv[0], kv[1]
		x, ok := ps.value(v, what+"."+k.Value)
		if !ok {
			continue
		}
		if x == nil && !nullOK {
			ps.is.add(ps.pos(v), "%s.%s: a kv value cannot be null (leave the key out)", what, k.Value)
			continue
		}
		if k.Value == "" {
			ps.is.add(ps.pos(k), "%s: a kv key cannot be empty", what)
			continue
		}
		out = append(out, kvEntry{key: k.Value, value: x, pos: ps.pos(k)})
	}
	return out
}

var capName = regexp.MustCompile(`^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$`)

func (ps *parser) mocks(n *yaml.Node, what string, c *scriptCase) {
	if n.Kind != yaml.SequenceNode {
		ps.is.add(ps.pos(n), "%s must be a list", what)
		return
	}
	for i, mn := range n.Content {
		w := fmt.Sprintf("%s[%d]", what, i)
		m := mock{pos: ps.pos(mn)}
		var hasResult, hasError bool
		for _, kv := range ps.mapping(mn, w) {
			k, v := kv[0], kv[1]
			switch k.Value {
			case "call":
				if s, ok := ps.nonEmpty(v, w+".call"); ok {
					if !capName.MatchString(s) {
						ps.is.add(ps.pos(v), "%s.call %q: want module.function", w, s)
					}
					m.call, m.callPos = s, ps.pos(v)
				}
			case "args":
				if x, ok := ps.value(v, w+".args"); ok {
					am, isMap := x.(map[string]any)
					if !isMap {
						ps.is.add(ps.pos(v), "%s.args must be a mapping of param name to value", w)
						break
					}
					m.args, m.argsPos = am, ps.pos(v)
				}
			case "result":
				hasResult = true
				m.result, _ = ps.value(v, w+".result")
			case "error":
				hasError = true
				if s, ok := ps.nonEmpty(v, w+".error"); ok {
					m.err = s
				}
			default:
				ps.unknown(k, w, "call, args, result or error")
			}
		}
		if mn.Kind != yaml.MappingNode {
			continue
		}
		switch {
		case !hasKey(mn, "call"):
			ps.is.add(m.pos, "%s: call: is required", w)
		case hasResult && hasError:
			ps.is.add(m.pos, "%s: has both result and error", w)
		case !hasResult && !hasError:
			ps.is.add(m.pos, "%s: needs a result or an error", w)
		}
		c.mocks = append(c.mocks, m)
	}
}

var usageFields = []string{"steps", "hostCalls", "memoryBytes", "cpuMs", "wallMs", "outputBytes", "logBytes"}

var boundRE = regexp.MustCompile(`^\s*(<=|>=|==|<|>)?\s*([0-9][0-9_]*)\s*$`)

func (ps *parser) scriptExpect(n *yaml.Node, what string, e *scriptExpect) {
	for _, kv := range ps.mapping(n, what) {
		k, v := kv[0], kv[1]
		switch k.Value {
		case "value":
			e.hasValue = true
			e.value, _ = ps.value(v, what+".value")
		case "error":
			e.err = &errorExpect{}
			if v.Kind == yaml.MappingNode && len(v.Content) == 0 {
				ps.is.add(ps.pos(v), "%s.error: say at least its kind", what)
			}
			for _, kv := range ps.mapping(v, what+".error") {
				k, v := kv[0], kv[1]
				w := what + ".error." + k.Value
				switch k.Value {
				case "kind":
					if s, ok := ps.str(v, w); ok {
						switch engine.Kind(s) {
						case engine.KindCompile, engine.KindRuntime, engine.KindLimit, engine.KindDenied,
							engine.KindHost, engine.KindInput, engine.KindOutput, engine.KindInternal:
							e.err.kind = s
						default:
							ps.is.add(ps.pos(v), "%s: %q: want compile, runtime, limit, denied, host, input, output or internal", w, s)
						}
					}
				case "limit":
					e.err.limit, _ = ps.str(v, w)
				case "capability":
					e.err.capability, _ = ps.str(v, w)
				case "rule":
					if s, ok := ps.str(v, w); ok {
						e.err.rule = &s
					}
				case "message":
					e.err.message, _ = ps.str(v, w)
				default:
					ps.unknown(k, what+".error", "kind, limit, capability, rule or message")
				}
			}
		case "kv":
			e.kv = ps.kvMap(v, what+".kv", true)
			e.hasKV = true
		case "calls":
			e.hasCalls = true
			if v.Kind != yaml.SequenceNode {
				ps.is.add(ps.pos(v), "%s.calls must be a list of capability names", what)
				break
			}
			e.calls = []string{}
			for _, c := range v.Content {
				if s, ok := ps.nonEmpty(c, what+".calls entries"); ok {
					if !capName.MatchString(s) {
						ps.is.add(ps.pos(c), "%s.calls: %q: want module.function", what, s)
					}
					e.calls = append(e.calls, s)
				}
			}
		case "usage":
			for _, kv := range ps.mapping(v, what+".usage") {
				k, v := kv[0], kv[1]
				known := false
				for _, f := range usageFields {
					known = known || f == k.Value
				}
				if !known {
					ps.unknown(k, what+".usage", strings.Join(usageFields, ", "))
					continue
				}
				m := boundRE.FindStringSubmatch(v.Value)
				if v.Kind != yaml.ScalarNode || m == nil {
					ps.is.add(ps.pos(v), "%s.usage.%s: want a number or a bound like \"<= 1000\", got %s", what, k.Value, describe(v))
					continue
				}
				x, err := strconv.ParseInt(strings.ReplaceAll(m[2], "_", ""), 10, 64)
				if err != nil {
					ps.is.add(ps.pos(v), "%s.usage.%s: %v", what, k.Value, errors.Unwrap(err))
					continue
				}
				op := m[1]
				if op == "" {
					op = "=="
				}
				e.usage = append(e.usage, bound{field: k.Value, op: op, n: x})
			}
		default:
			ps.unknown(k, what, "value, error, kv, calls or usage")
		}
	}
	if e.hasValue && e.err != nil {
		ps.is.add(ps.pos(n), "%s: has both value and error", what)
	}
}
