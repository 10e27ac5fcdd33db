package hostile_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/limits"
	"github.com/scriptrun/scriptrun/policy"
)

// root is the suite's directory, relative to this package.
const root = "../../testdata/hostile"

// Defaults of a case's header.
const (
	defaultTimeout = time.Second
	defaultMemory  = 64 << 20
	defaultBound   = 3 * time.Second
)

// hostileCase is one file of the suite with its parsed header.
type hostileCase struct {
	name    string // "js/array-lastindexof-sparse"
	lang    string // "js" or "lua"
	path    string
	code    string
	attacks string
	expect  []outcome // any one of them passes
	// further outcomes that pass in process isolation
	// (the "process:" header line).
	process []outcome
	budget  limits.Budget
	bound   time.Duration
	policy  string // file name in root, "" for none
	input   any
	hasIn   bool
}

// outcome is one acceptable result of a case.
type outcome struct {
	kind   string   // engine.Kind, or "ok"
	names  []string // limit names (kind limit) or capabilities (kind denied); empty: any
	value  any      // for kind ok
	hasVal bool
}

func (o outcome) String() string {
	switch {
	case o.kind == "ok":
		b, _ := json.Marshal(o.value)
		return "ok " + string(b)
	case len(o.names) > 0:
		q := make([]string, len(o.names))
		for i, n := range o.names {
			q[i] = strconv.Quote(n)
		}
		return o.kind + " " + strings.Join(q, "|")
	}
	return o.kind
}

func describeExpect(os []outcome) string {
	s := make([]string, len(os))
	for i, o := range os {
		s[i] = o.String()
	}
	return strings.Join(s, " | ")
}

var okAlternative = regexp.MustCompile(`(^|\|)\s*ok(\s|$)`)

var kinds = map[string]bool{"compile": true, "runtime": true, "limit": true, "denied": true, "host": true, "output": true, "input": true}

// parseExpect parses what follows "###".
func parseExpect(s string) ([]outcome, error) {
	s = strings.TrimSpace(s)
	// "ok JSON" comes last, as the only or the last alternative: the JSON
	// may contain '|'.
	var out []outcome
	errs := s
	if i := okAlternative.FindStringIndex(s); i != nil {
		var v any
		if err := json.Unmarshal([]byte(s[i[1]:]), &v); err != nil {
			return nil, fmt.Errorf("### %s: the ok value is not JSON: %v", s, err)
		}
		out = append(out, outcome{kind: "ok", value: v, hasVal: true})
		errs = strings.TrimSuffix(strings.TrimSpace(s[:i[0]]), "|")
		if strings.TrimSpace(errs) == "" {
			return out, nil
		}
	}
	for _, part := range strings.Split(errs, "|") {
		part = strings.TrimSpace(part)
		if strings.HasPrefix(part, `"`) {
			if len(out) == 0 || (out[len(out)-1].kind != "limit" && out[len(out)-1].kind != "denied") {
				return nil, fmt.Errorf("### %s: a quoted name must follow limit or denied", s)
			}
			n, err := strconv.Unquote(part)
			if err != nil {
				return nil, fmt.Errorf("### %s: %v", s, err)
			}
			out[len(out)-1].names = append(out[len(out)-1].names, n)
			continue
		}
		kind, name, _ := strings.Cut(part, " ")
		if !kinds[kind] {
			return nil, fmt.Errorf("### %s: unknown kind %q (internal is never right)", s, kind)
		}
		o := outcome{kind: kind}
		if name = strings.TrimSpace(name); name != "" {
			n, err := strconv.Unquote(name)
			if err != nil {
				return nil, fmt.Errorf("### %s: %v", s, err)
			}
			o.names = []string{n}
		}
		out = append(out, o)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("### is empty")
	}
	// Keep ok (parsed first) last, as written.
	if out[0].kind == "ok" {
		out = append(out[1:], out[0])
	}
	return out, nil
}

func parseBudget(s string, b *limits.Budget) error {
	for _, kv := range strings.Fields(s) {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return fmt.Errorf("budget: %q is not key=value", kv)
		}
		var err error
		num := func(dst *int64) {
			*dst, err = strconv.ParseInt(v, 10, 64)
		}
		size := func(dst *int64) {
			n, ok := policy.ParseSize(v)
			if !ok {
				err = fmt.Errorf("bad size %q", v)
			}
			*dst = n
		}
		dur := func(dst *time.Duration) {
			*dst, err = time.ParseDuration(v)
		}
		switch k {
		case limits.Steps:
			num(&b.Steps)
		case limits.Memory:
			size(&b.Memory)
		case limits.Timeout:
			dur(&b.Timeout)
		case limits.CPU:
			dur(&b.CPU)
		case limits.HostCalls:
			num(&b.HostCalls)
		case limits.Output:
			size(&b.Output)
		case limits.Logs:
			size(&b.Logs)
		case limits.StackDepth:
			num(&b.StackDepth)
		default:
			return fmt.Errorf("budget: unknown field %q", k)
		}
		if err != nil {
			return fmt.Errorf("budget: %s: %v", k, err)
		}
	}
	return nil
}

// loadCase reads and parses the case named name ("js/foo").
func loadCase(name string) (*hostileCase, error) {
	lang, _, _ := strings.Cut(name, "/")
	path := filepath.Join(root, name+"."+lang)
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	c := &hostileCase{name: name, lang: lang, path: path, code: string(src), bound: defaultBound,
		budget: limits.Budget{Timeout: defaultTimeout, Memory: defaultMemory}}
	prefix := map[string]string{"js": "//", "lua": "--"}[lang]
	if prefix == "" {
		return nil, fmt.Errorf("%s: unknown language %q", path, lang)
	}
	sc := bufio.NewScanner(strings.NewReader(c.code))
	sc.Buffer(nil, 1<<20)
	line, last := 0, ""
	for sc.Scan() {
		line++
		text, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), prefix)
		if !ok {
			break
		}
		text = strings.TrimSpace(text)
		where := fmt.Sprintf("%s:%d", path, line)
		key, val, _ := strings.Cut(text, ":")
		switch {
		case strings.HasPrefix(text, "###"):
			if c.expect != nil {
				return nil, fmt.Errorf("%s: a second ### line", where)
			}
			if c.expect, err = parseExpect(strings.TrimPrefix(text, "###")); err != nil {
				return nil, fmt.Errorf("%s: %v", where, err)
			}
			last = "###"
		case key == "process":
			if c.process, err = parseExpect(val); err != nil {
				return nil, fmt.Errorf("%s: process: %v", where, err)
			}
			last = key
		case key == "attacks":
			c.attacks = strings.TrimSpace(val)
			last = key
		case key == "budget":
			if err := parseBudget(val, &c.budget); err != nil {
				return nil, fmt.Errorf("%s: %v", where, err)
			}
			last = key
		case key == "bound":
			if c.bound, err = time.ParseDuration(strings.TrimSpace(val)); err != nil || c.bound <= 0 {
				return nil, fmt.Errorf("%s: bad bound %q", where, val)
			}
			last = key
		case key == "policy":
			c.policy = strings.TrimSpace(val)
			if _, err := os.Stat(filepath.Join(root, c.policy)); err != nil {
				return nil, fmt.Errorf("%s: policy: %v", where, err)
			}
			last = key
		case key == "input":
			if err := json.Unmarshal([]byte(val), &c.input); err != nil {
				return nil, fmt.Errorf("%s: input is not JSON: %v", where, err)
			}
			c.hasIn = true
			last = key
		case last == "attacks" && text != "":
			c.attacks += " " + text
		case text == "":
			last = ""
		default:
			return nil, fmt.Errorf("%s: header line %q: want attacks:, ###, process:, budget:, bound:, policy: or input:", where, text)
		}
	}
	if c.attacks == "" {
		return nil, fmt.Errorf("%s: header has no attacks: line", path)
	}
	if c.expect == nil {
		return nil, fmt.Errorf("%s: header has no ### line", path)
	}
	return c, nil
}

// caseNames lists the suite's cases, sorted.
func caseNames() ([]string, error) {
	var names []string
	for _, lang := range []string{"js", "lua"} {
		files, err := filepath.Glob(filepath.Join(root, lang, "*."+lang))
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			names = append(names, lang+"/"+strings.TrimSuffix(filepath.Base(f), "."+lang))
		}
	}
	sort.Strings(names)
	return names, nil
}

// knownFile is the known-failures file of an isolation mode: a case may
// fail in one mode and not in the other.
func knownFile(iso engine.Isolation) string {
	if iso == engine.Process {
		return "KNOWN_FAILURES.process"
	}
	return "KNOWN_FAILURES"
}

// knownFailures reads the known-failures file of iso: case name, then what
// happens today.
func knownFailures(iso engine.Isolation) (map[string]string, error) {
	file := knownFile(iso)
	data, err := os.ReadFile(filepath.Join(root, file))
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, why, _ := strings.Cut(line, " ")
		if strings.TrimSpace(why) == "" {
			return nil, fmt.Errorf("%s:%d: %s: say what happens today", file, i+1, name)
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("%s:%d: %s listed twice", file, i+1, name)
		}
		out[name] = strings.TrimSpace(why)
	}
	if len(out) == 0 && len(data) == 0 {
		return nil, fmt.Errorf("%s is empty; keep the file with a comment when nothing fails", file)
	}
	return out, nil
}
