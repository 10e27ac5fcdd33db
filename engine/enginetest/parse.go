package enginetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/scriptrun/scriptrun/bridge"
	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/limits"
)

// commentPrefix returns the line comment of a language.
func commentPrefix(lang string) (string, bool) {
	switch lang {
	case "js":
		return "//", true
	case "lua":
		return "--", true
	}
	return "", false
}

// chunk is one chunk of a twin file.
type chunk struct {
	index  int    // 1-based position in the file
	line   int    // the file line the chunk starts on
	code   string // the chunk, preceded by blank lines so lines match the file
	opts   options
	expect expectation
	err    error // what is wrong with the chunk's options or expectations
}

// options are a chunk's @ lines.
type options struct {
	name     string
	input    any
	policy   string // "" = default.yaml, "none" = no policy
	budget   limits.Budget
	seed     uint64
	now      time.Time // zero: the real clock
	tenant   string
	labels   map[string]string
	runs     int
	hasInput bool
}

// expectation is a chunk's ### lines.
type expectation struct {
	kind       string // "ok", "compile", or an engine.Kind
	value      any
	anyValue   bool // bare "### ok"
	limit      string
	capability string
	rule       string
	hasRule    bool
	message    string // substring of the error message
	pos        string // prefix of the error position
	logs       []string
	hasLogs    bool
	covered    []int // with ### covered: the file lines marked "ran", in order
	hasCovered bool
	line       int // line of the result expectation in the file
}

// parseTwin cuts a twin file into chunks. Problems with one chunk are kept
// in the chunk (so the others still run); a problem with the file as a
// whole is returned.
func parseTwin(src, lang string) ([]*chunk, error) {
	prefix, ok := commentPrefix(lang)
	if !ok {
		return nil, fmt.Errorf("no comment syntax known for language %q", lang)
	}
	sep := prefix + " ---"
	lines := strings.Split(src, "\n")
	var chunks []*chunk
	start := 0
	flush := func(end int) {
		c := &chunk{index: len(chunks) + 1, line: start + 1}
		c.code = strings.Repeat("\n", start) + strings.Join(lines[start:end], "\n")
		c.err = c.parse(lines[start:end], prefix)
		chunks = append(chunks, c)
	}
	for i, l := range lines {
		if strings.TrimSpace(l) == sep {
			flush(i)
			start = i + 1
		}
	}
	flush(len(lines))
	names := map[string]int{}
	for _, c := range chunks {
		if c.opts.name == "" {
			continue
		}
		if prev, dup := names[c.opts.name]; dup && c.err == nil {
			c.err = fmt.Errorf("chunk name %q already used by chunk %d", c.opts.name, prev)
		}
		names[c.opts.name] = c.index
	}
	return chunks, nil
}

// parse reads the chunk's options and expectations.
func (c *chunk) parse(lines []string, prefix string) error {
	var errs []error
	fail := func(i int, format string, args ...any) {
		errs = append(errs, fmt.Errorf("line %d: %s", c.line+i, fmt.Sprintf(format, args...)))
	}
	code := false
	seen := map[string]bool{}
	results := 0
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if t == "" {
			continue
		}
		rest, isComment := strings.CutPrefix(t, prefix)
		if !isComment {
			code = true
			if strings.HasSuffix(t, prefix+" ran") {
				c.expect.covered = append(c.expect.covered, c.line+i)
			}
			continue
		}
		rest = strings.TrimSpace(rest)
		switch {
		case strings.HasPrefix(rest, "@"):
			if code {
				fail(i, "option %q after code: options come first", rest)
				continue
			}
			key, val, _ := strings.Cut(rest[1:], " ")
			val = strings.TrimSpace(val)
			if seen[key] {
				fail(i, "option @%s given twice", key)
				continue
			}
			seen[key] = true
			if err := c.opts.set(key, val); err != nil {
				fail(i, "@%s: %v", key, err)
			}
		case strings.HasPrefix(rest, "###"):
			body := strings.TrimSpace(strings.TrimPrefix(rest, "###"))
			if logs, ok := strings.CutPrefix(body, "logs"); ok && (logs == "" || logs[0] == ' ') {
				if c.expect.hasLogs {
					fail(i, "two ### logs lines")
					continue
				}
				if err := json.Unmarshal([]byte(logs), &c.expect.logs); err != nil {
					fail(i, "### logs: want a JSON array of strings: %v", err)
				}
				c.expect.hasLogs = true
				continue
			}
			if body == "covered" {
				if c.expect.hasCovered {
					fail(i, "two ### covered lines")
				}
				c.expect.hasCovered = true
				continue
			}
			results++
			if results > 1 {
				fail(i, "a second result expectation (one ### ok/error/limit/denied/compile per chunk)")
				continue
			}
			c.expect.line = c.line + i
			if err := c.expect.parse(body); err != nil {
				fail(i, "### %s: %v", body, err)
			}
		}
	}
	if c.opts.name == "" {
		errs = append(errs, errors.New("chunk has no @name"))
	}
	if results == 0 {
		errs = append(errs, errors.New("chunk has no ### expectation"))
	}
	if c.opts.runs == 0 {
		c.opts.runs = 1
	}
	if c.expect.anyValue && c.opts.runs < 2 {
		errs = append(errs, errors.New("a bare ### ok needs @runs 2 or more (it checks that runs agree)"))
	}
	if c.expect.kind == "compile" && (c.expect.hasLogs || c.expect.hasCovered) {
		errs = append(errs, errors.New("### logs or ### covered with ### compile: nothing runs"))
	}
	if len(c.expect.covered) > 0 && !c.expect.hasCovered {
		errs = append(errs, fmt.Errorf("lines marked %q without ### covered", prefix+" ran"))
	}
	return errors.Join(errs...)
}

// set parses one option.
func (o *options) set(key, val string) error {
	var err error
	switch key {
	case "name":
		if val == "" {
			return errors.New("empty name")
		}
		o.name = val
	case "input":
		o.input, err = parseJSON(val)
		o.hasInput = true
	case "policy":
		if val == "" || strings.ContainsAny(val, `/\ `) || strings.HasPrefix(val, ".") {
			return fmt.Errorf("want a policy name (policies/NAME.yaml) or none, got %q", val)
		}
		o.policy = val
	case "budget":
		o.budget, err = parseBudget(val)
	case "seed":
		o.seed, err = strconv.ParseUint(val, 10, 64)
		if err == nil && o.seed == 0 {
			err = errors.New("seed 0 means a random seed; leave @seed out instead")
		}
	case "now":
		o.now, err = time.Parse(time.RFC3339Nano, val)
	case "tenant":
		if val == "" {
			return errors.New("empty tenant")
		}
		o.tenant = val
	case "labels":
		o.labels = map[string]string{}
		for _, kv := range strings.Fields(val) {
			k, v, ok := strings.Cut(kv, "=")
			if !ok || k == "" {
				return fmt.Errorf("want labels as k=v ..., got %q", kv)
			}
			if _, dup := o.labels[k]; dup {
				return fmt.Errorf("label %q twice", k)
			}
			o.labels[k] = v
		}
	case "runs":
		var n int
		n, err = strconv.Atoi(val)
		if err == nil && (n < 1 || n > 100) {
			err = fmt.Errorf("want 1..100, got %d", n)
		}
		o.runs = n
	default:
		return errors.New("unknown option (want name, input, policy, budget, seed, now, tenant, labels, runs)")
	}
	return err
}

// parseBudget parses "steps=100 timeout=50ms".
func parseBudget(s string) (limits.Budget, error) {
	var b limits.Budget
	if strings.TrimSpace(s) == "" {
		return b, errors.New("empty budget")
	}
	seen := map[string]bool{}
	for _, f := range strings.Fields(s) {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			return b, fmt.Errorf("%q: want key=value", f)
		}
		if seen[k] {
			return b, fmt.Errorf("%s given twice", k)
		}
		seen[k] = true
		fld, ok := limits.FieldNamed(k)
		if !ok {
			return b, fmt.Errorf("unknown budget field %q", k)
		}
		n, err := fld.Parse(v)
		if err != nil || n <= 0 {
			if fld.Kind == limits.Duration {
				return b, fmt.Errorf("%s: want a positive duration, got %q", k, v)
			}
			return b, fmt.Errorf("%s: want a positive integer, got %q", k, v)
		}
		fld.Set(&b, n)
	}
	return b, nil
}

// limitNames are the Budget field names a limit error may name.
var limitNames = func() []string {
	var names []string
	for _, f := range limits.Fields() {
		names = append(names, f.Name)
	}
	return names
}()

// parse reads an expectation (the text after "###").
func (x *expectation) parse(s string) error {
	word, rest, _ := strings.Cut(s, " ")
	rest = strings.TrimSpace(rest)
	x.kind = word
	switch word {
	case "ok":
		if rest == "" {
			x.anyValue = true
			return nil
		}
		v, err := parseJSON(rest)
		x.value = v
		return err
	case "compile":
		toks, err := tokens(rest)
		if err != nil {
			return err
		}
		switch {
		case len(toks) == 0:
		case len(toks) == 1 && toks[0].quoted:
			x.pos = toks[0].s
		default:
			return errors.New(`want compile ["POS"]`)
		}
		return nil
	case "error":
		toks, err := tokens(rest)
		if err != nil {
			return err
		}
		if len(toks) == 0 || toks[0].quoted {
			return errors.New("want error KIND [\"text\"] [at \"POS\"]")
		}
		switch k := engine.Kind(toks[0].s); k {
		case engine.KindRuntime, engine.KindHost, engine.KindInput, engine.KindOutput:
			x.kind = string(k)
		case engine.KindCompile, engine.KindLimit, engine.KindDenied:
			return fmt.Errorf("use ### %s for %s errors", k, k)
		default:
			return fmt.Errorf("unknown error kind %q (want runtime, host, input or output)", k)
		}
		return x.tail(toks[1:], false)
	case "limit":
		toks, err := tokens(rest)
		if err != nil {
			return err
		}
		if len(toks) == 0 || !toks[0].quoted {
			return errors.New(`want limit "NAME" [at "POS"]`)
		}
		x.kind, x.limit = string(engine.KindLimit), toks[0].s
		known := false
		for _, n := range limitNames {
			known = known || n == x.limit
		}
		if !known {
			return fmt.Errorf("unknown limit %q (want one of %s)", x.limit, strings.Join(limitNames, ", "))
		}
		return x.tail(toks[1:], true)
	case "denied":
		toks, err := tokens(rest)
		if err != nil {
			return err
		}
		if len(toks) == 0 || !toks[0].quoted {
			return errors.New(`want denied "CAP" [rule "RULE"] ["text"] [at "POS"]`)
		}
		x.kind, x.capability = string(engine.KindDenied), toks[0].s
		toks = toks[1:]
		if len(toks) >= 2 && !toks[0].quoted && toks[0].s == "rule" && toks[1].quoted {
			x.rule, x.hasRule = toks[1].s, true
			toks = toks[2:]
		}
		return x.tail(toks, false)
	}
	return fmt.Errorf("unknown expectation %q (want ok, error, limit, denied, compile, logs or covered)", word)
}

// tail parses [\"text\"] [at \"POS\"]; noText refuses the text.
func (x *expectation) tail(toks []token, noText bool) error {
	if len(toks) > 0 && toks[0].quoted && !noText {
		x.message = toks[0].s
		toks = toks[1:]
	}
	if len(toks) >= 2 && !toks[0].quoted && toks[0].s == "at" && toks[1].quoted {
		x.pos = toks[1].s
		toks = toks[2:]
	}
	if len(toks) > 0 {
		return fmt.Errorf("unexpected %q", toks[0].s)
	}
	return nil
}

type token struct {
	s      string
	quoted bool
}

// tokens splits words and double-quoted strings (Go/JSON escapes).
func tokens(s string) ([]token, error) {
	var out []token
	for {
		s = strings.TrimLeft(s, " \t")
		if s == "" {
			return out, nil
		}
		if s[0] == '"' {
			q, err := strconv.QuotedPrefix(s)
			if err != nil {
				return nil, fmt.Errorf("bad quoted string in %q", s)
			}
			u, _ := strconv.Unquote(q)
			out = append(out, token{s: u, quoted: true})
			s = s[len(q):]
			continue
		}
		end := strings.IndexAny(s, " \t")
		if end < 0 {
			end = len(s)
		}
		out = append(out, token{s: s[:end]})
		s = s[end:]
	}
}

// parseJSON decodes one JSON value into the value model.
func parseJSON(s string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("bad JSON: %v", err)
	}
	if err := dec.Decode(new(any)); err != io.EOF {
		return nil, errors.New("bad JSON: text after the value")
	}
	return model(v)
}

// model turns decoded JSON (with json.Number) into the value model.
func model(v any) (any, error) {
	switch v := v.(type) {
	case json.Number:
		if i, err := strconv.ParseInt(string(v), 10, 64); err == nil {
			if i > bridge.MaxSafeInt || i < -bridge.MaxSafeInt {
				return float64(i), nil
			}
			return i, nil
		}
		f, err := strconv.ParseFloat(string(v), 64)
		if err != nil || math.IsInf(f, 0) {
			return nil, fmt.Errorf("number %s out of range", v)
		}
		n, _ := bridge.Num(f)
		return n, nil
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			x, err := model(e)
			if err != nil {
				return nil, err
			}
			out[i] = x
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			x, err := model(e)
			if err != nil {
				return nil, err
			}
			out[k] = x
		}
		return out, nil
	}
	return v, nil
}
