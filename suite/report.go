package suite

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"github.com/scriptrun/scriptrun/loc"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxRender is the most of a value a failure line shows.
const maxRender = 300

// render shows a value in a failure line as compact JSON (map keys
// sorted), cut at maxRender bytes.
func render(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprintf("<%T>", v)
	}
	s := strings.TrimSuffix(b.String(), "\n")
	if len(s) > maxRender {
		cut := maxRender
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + fmt.Sprintf("... (%d bytes)", len(s))
	}
	return s
}

// Counts returns how many cases passed and failed across results.
func Counts(results []*Result) (passed, failed int) {
	for _, r := range results {
		for i := range r.Cases {
			if r.Cases[i].Passed() {
				passed++
			} else {
				failed++
			}
		}
	}
	return passed, failed
}

// WriteText writes the text report: WriteCase for each case, then
// WriteSummary.
func WriteText(w io.Writer, results []*Result, verbose bool) error {
	for _, r := range results {
		for i := range r.Cases {
			if err := WriteCase(w, &r.Cases[i], verbose); err != nil {
				return err
			}
		}
	}
	return WriteSummary(w, results)
}

// WriteCase writes a case's line of the text report: for a failing case
// "file:line:col: FAIL "name": reason; reason", for a passing one, with
// verbose, "file:line:col: ok "name"", else nothing. Every character that
// could drive a terminal is escaped.
func WriteCase(w io.Writer, c *CaseResult, verbose bool) error {
	var line string
	switch {
	case !c.Passed():
		line = loc.Printable(fmt.Sprintf("%s: FAIL %q: %s", c.Pos, c.Name, strings.Join(c.Failures, "; ")))
	case verbose:
		line = loc.Printable(fmt.Sprintf("%s: ok %q", c.Pos, c.Name))
	default:
		return nil
	}
	_, err := io.WriteString(w, line+"\n")
	return err
}

// WriteSummary writes the end of the text report: a coverage line for
// each result that has coverage, then "N passed, N failed".
func WriteSummary(w io.Writer, results []*Result) error {
	var b strings.Builder
	for _, r := range results {
		if r.Coverage != nil {
			b.WriteString(loc.Printable(r.Coverage.text(r.Kind)))
			b.WriteByte('\n')
		}
	}
	p, f := Counts(results)
	fmt.Fprintf(&b, "%d passed, %d failed\n", p, f)
	_, err := io.WriteString(w, b.String())
	return err
}

// text is the coverage on one line.
func (c *Coverage) text(k Kind) string {
	if k == KindPolicy {
		var never []string
		for _, r := range c.Rules {
			if !r.Applied {
				never = append(never, fmt.Sprintf("%q (%s)", r.Rule, r.Pos))
			}
		}
		s := fmt.Sprintf("coverage: %d of %d rules applied", len(c.Rules)-len(never), len(c.Rules))
		if len(never) > 0 {
			s += "; never applied: " + strings.Join(never, ", ")
		}
		return s
	}
	if !c.Collected {
		return fmt.Sprintf("coverage: %s: no lines reported (this build's backend does not collect coverage)", c.Script)
	}
	s := fmt.Sprintf("coverage: %s: %d of %d lines with code ran", c.Script, c.CodeLines-len(c.Unrun), c.CodeLines)
	if len(c.Unrun) > 0 {
		s += "; never ran: " + lineRanges(c.Unrun)
	}
	return s
}

// lineRanges renders sorted line numbers as "3, 7-9, 12".
func lineRanges(lines []int) string {
	var parts []string
	for i := 0; i < len(lines); {
		j := i
		for j+1 < len(lines) && lines[j+1] == lines[j]+1 {
			j++
		}
		if j == i {
			parts = append(parts, strconv.Itoa(lines[i]))
		} else {
			parts = append(parts, fmt.Sprintf("%d-%d", lines[i], lines[j]))
		}
		i = j + 1
	}
	return strings.Join(parts, ", ")
}

type jsonReport struct {
	Suites []jsonSuite `json:"suites"`
	Passed int         `json:"passed"`
	Failed int         `json:"failed"`
}

type jsonSuite struct {
	File     string        `json:"file"`
	Kind     Kind          `json:"kind"`
	Cases    []jsonCase    `json:"cases"`
	Coverage *jsonCoverage `json:"coverage,omitempty"`
}

type jsonCase struct {
	Name       string   `json:"name"`
	Pos        string   `json:"pos"`
	Passed     bool     `json:"passed"`
	Failures   []string `json:"failures,omitempty"`
	DurationMs float64  `json:"durationMs"`
}

type jsonCoverage struct {
	Rules     []jsonRule `json:"rules,omitempty"`
	Script    string     `json:"script,omitempty"`
	CodeLines int        `json:"codeLines,omitempty"`
	Unrun     []int      `json:"unrun,omitempty"`
	Collected *bool      `json:"collected,omitempty"`
}

type jsonRule struct {
	Rule    string `json:"rule"`
	Pos     string `json:"pos,omitempty"`
	Applied bool   `json:"applied"`
}

// WriteJSON writes the report as one JSON object: {"suites": [{"file",
// "kind", "cases": [{"name", "pos", "passed", "failures", "durationMs"}],
// "coverage"}], "passed": N, "failed": N}.
func WriteJSON(w io.Writer, results []*Result) error {
	out := jsonReport{Suites: []jsonSuite{}}
	for _, r := range results {
		js := jsonSuite{File: r.File, Kind: r.Kind, Cases: []jsonCase{}}
		for _, c := range r.Cases {
			js.Cases = append(js.Cases, jsonCase{Name: c.Name, Pos: c.Pos.String(), Passed: c.Passed(),
				Failures: c.Failures, DurationMs: float64(c.Duration.Microseconds()) / 1000})
		}
		if c := r.Coverage; c != nil {
			jc := &jsonCoverage{}
			if r.Kind == KindPolicy {
				jc.Rules = []jsonRule{}
				for _, rc := range c.Rules {
					jc.Rules = append(jc.Rules, jsonRule{Rule: rc.Rule, Pos: rc.Pos.String(), Applied: rc.Applied})
				}
			} else {
				collected := c.Collected
				jc.Script, jc.CodeLines, jc.Unrun, jc.Collected = c.Script, c.CodeLines, c.Unrun, &collected
			}
			js.Coverage = jc
		}
		out.Suites = append(out.Suites, js)
	}
	out.Passed, out.Failed = Counts(results)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Time     string      `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
	Out      string      `xml:"system-out,omitempty"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	File      string        `xml:"file,attr,omitempty"`
	Line      int           `xml:"line,attr,omitempty"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes the report as JUnit XML, one testsuite per suite
// file, one testcase per case; coverage goes in the suite's system-out.
// Characters XML cannot hold are replaced by U+FFFD.
func WriteJUnit(w io.Writer, results []*Result) error {
	out := junitSuites{}
	for _, r := range results {
		js := junitSuite{Name: r.File}
		var total float64
		for _, c := range r.Cases {
			sec := c.Duration.Seconds()
			total += sec
			jc := junitCase{Name: c.Name, Classname: r.File, File: c.Pos.File, Line: c.Pos.Line, Time: fmt.Sprintf("%.3f", sec)}
			if !c.Passed() {
				jc.Failure = &junitFailure{Message: c.Failures[0], Text: fmt.Sprintf("%s: %s", c.Pos, strings.Join(c.Failures, "\n"))}
				js.Failures++
			}
			js.Tests++
			js.Cases = append(js.Cases, jc)
		}
		js.Time = fmt.Sprintf("%.3f", total)
		if r.Coverage != nil {
			js.Out = r.Coverage.text(r.Kind)
		}
		out.Tests += js.Tests
		out.Failures += js.Failures
		out.Suites = append(out.Suites, js)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
