package yamlpos

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"

	"github.com/scriptrun/scriptrun/loc"
)

// MaxSize is the largest document Locate searches: each step parses a
// prefix of it, and a step takes about as long as parsing the document.
const MaxSize = 256 << 10

// Error is a YAML syntax error with the position of the problem. Line and
// column are counted as yaml.v3 counts them (loc.YAML: a column counts
// characters); Col is zero when only the line is known.
type Error struct {
	Pos loc.Pos
	Msg string // yaml.v3's message without its "yaml: line N: " prefix
	Err error  // yaml.v3's error
}

// Error renders "file:line:col: invalid YAML: message".
func (e *Error) Error() string {
	if p := e.Pos.String(); p != "" {
		return p + ": invalid YAML: " + e.Msg
	}
	return "invalid YAML: " + e.Msg
}

func (e *Error) Unwrap() error { return e.Err }

// Parse parses data as yaml.Unmarshal does into a yaml.Node, and returns a
// syntax error as an *Error (see Locate). file names the document in
// positions.
func Parse(file string, data []byte) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, Locate(file, data, err)
	}
	return &doc, nil
}

// Locate returns err, an error yaml.v3 gave for data, as an *Error with
// the position of the problem. An error that is not a syntax error (a
// *yaml.TypeError, whose lines are right) is returned as it is.
func Locate(file string, data []byte, err error) error {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		return err
	}
	line, msg := split(err)
	e := &Error{Pos: loc.Pos{File: file, Line: max(line, 1)}, Msg: msg, Err: err}
	if len(data) > MaxSize || !utf8.Valid(data) || !fails(data, msg) {
		return e
	}
	// yaml.v3's line is that of the construct the problem is in: the
	// problem is on it or after it.
	if off, ok := find(data, msg, line); ok {
		if p := posAt(data, off); p.Line >= line {
			p.File = file
			e.Pos = p
		}
	}
	if line == 0 && e.Pos.Line == 1 && e.Pos.Col == 0 {
		// yaml.v3 gave no line and the search found nothing better.
		e.Pos.Line = 0
	}
	return e
}

// split cuts "yaml: line N: msg" into N and msg; N is 0 when the error
// has no line.
func split(err error) (int, string) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if n, m, ok := strings.Cut(rest, ": "); ok {
			if line, err := strconv.Atoi(n); err == nil {
				return line, m
			}
		}
	}
	return 0, msg
}

// fails reports whether yaml.v3 fails on data with the message msg.
func fails(data []byte, msg string) bool {
	var doc yaml.Node
	err := yaml.Unmarshal(data, &doc)
	if err == nil {
		return false
	}
	_, m := split(err)
	return m == msg
}

// find returns the offset of the character at which data, read from its
// start, first fails with msg: the last character of the shortest prefix
// of whole lines that fails so, then of the shortest prefix ending inside
// that line. ok is false when no prefix fails with msg (data itself is
// not checked; the caller has).
func find(data []byte, msg string, minLine int) (off int, ok bool) {
	// Line starts (after every \n; yaml's other line breaks end inside
	// these lines and are handled by the character search).
	starts := []int{0}
	for i, c := range data {
		if c == '\n' && i+1 < len(data) {
			starts = append(starts, i+1)
		}
	}
	// lines(k): data up to the end of line k (1-based); lines(0) is empty
	// and does not fail, lines(len(starts)) is data and fails.
	end := func(k int) int {
		if k >= len(starts) {
			return len(data)
		}
		return starts[k]
	}
	// Gallop from the first line the problem can be on (yaml.v3's line:
	// the construct it is in starts there), so that a problem near the
	// start of a long document costs parses of short prefixes.
	lo, hi := 0, len(starts)
	if first := min(max(minLine-1, 0), len(starts)); first > 0 && !fails(data[:end(first)], msg) {
		lo = first
	}
	for step := 1; lo+step < hi; step *= 2 {
		if fails(data[:end(lo+step)], msg) {
			hi = lo + step
			break
		}
		lo += step
	}
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if fails(data[:end(mid)], msg) {
			hi = mid
		} else {
			lo = mid
		}
	}
	// Line hi (1-based) is the first whose end makes the prefix fail. Now
	// the characters of that line: prefix data[:from+n] with n runes.
	from, to := end(hi-1), end(hi)
	line := data[from:to]
	cuts := []int{0}
	for i := range string(line) {
		if i > 0 {
			cuts = append(cuts, i)
		}
	}
	cuts = append(cuts, len(line))
	// fails(data[:from+cuts[clo]]) is false (clo = 0: the lines before),
	// fails(data[:from+cuts[chi]]) is true (the whole line).
	clo, chi := 0, len(cuts)-1
	for chi-clo > 1 {
		mid := (clo + chi) / 2
		if fails(data[:from+cuts[mid]], msg) {
			chi = mid
		} else {
			clo = mid
		}
	}
	// The character that made the prefix fail is the last one in it:
	// the one starting at cuts[chi-1].
	off = from + cuts[chi-1]
	// A line break or trailing blanks that made it fail (the end of the
	// document reached inside a construct) point at nothing: point at the
	// last character before them instead, or at the line's start.
	for off > from && strings.ContainsRune(" \t\r\n", rune(data[off])) {
		off--
	}
	return off, true
}

// posAt returns the position of byte offset off in data, with lines and
// columns counted as yaml.v3 counts them (loc.YAML).
func posAt(data []byte, off int) loc.Pos {
	line, col := 1, 1
	s := string(data[:off])
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '\r' && i+1 < len(s) && s[i+1] == '\n':
			size = 2
			fallthrough
		case r == '\n', r == '\r', r == '\u0085', r == '\u2028', r == '\u2029':
			line, col = line+1, 1
		default:
			col++
		}
		i += size
	}
	return loc.Pos{Line: line, Col: col}
}

// Pairs returns the key/value pairs of a mapping node in order. It
// reports, through report (with the node at fault), a node that is not a
// mapping, keys that are not strings, duplicate keys and alias values (a
// document that expands aliases can be exponentially larger than its
// text), and leaves those pairs out. what names the mapping in the
// messages ("rule", "case \"x\"").
func Pairs(n *yaml.Node, what string, report func(at *yaml.Node, msg string)) [][2]*yaml.Node {
	if n.Kind != yaml.MappingNode {
		report(n, what+" must be a mapping")
		return nil
	}
	var kvs [][2]*yaml.Node
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch {
		case k.Kind != yaml.ScalarNode:
			report(k, what+": keys must be strings")
		case seen[k.Value]:
			report(k, fmt.Sprintf("%s: duplicate key %q", what, k.Value))
		case v.Kind == yaml.AliasNode:
			seen[k.Value] = true
			report(v, what+": "+k.Value+": YAML aliases are not supported")
		default:
			seen[k.Value] = true
			kvs = append(kvs, [2]*yaml.Node{k, v})
		}
	}
	return kvs
}
