package suite

import (
	"regexp"
	"strings"
)

// CodeLines returns the 1-based numbers of the lines of src (a "js" or
// "lua" script) that hold code, the lines coverage reports on: not blank,
// not only a comment, and not only closing or opening punctuation and the
// keywords that frame a block (`}`, `});`, `end`, `else`, `} else {`,
// `try {`, `} catch (e) {`, `while (true) {`, `return {` opening a value on
// the lines after), which no backend reports as run. Lines a compiler
// turns into no instruction for other reasons (a Lua table field whose
// value is a local) still count as code. It is a lexical
// approximation: it knows comments and strings well enough to find where
// comments start, nothing more.
func CodeLines(lang, src string) []int {
	var out []int
	inBlock := false    // inside a block comment
	blockEnd := "*/"    // what ends it
	inLong := false     // Lua: inside a long string [[ ... ]] (code)
	longEnd := ""       // what ends it
	inTemplate := false // JS: inside a template literal that spans lines (code)
	for i, line := range strings.Split(src, "\n") {
		code := strings.Builder{}
		rest := line
		if inLong || inTemplate {
			code.WriteString("x") // a continued string is part of a statement
		}
		for len(rest) > 0 {
			switch {
			case inBlock:
				j := strings.Index(rest, blockEnd)
				if j < 0 {
					rest = ""
					continue
				}
				rest, inBlock = rest[j+len(blockEnd):], false
			case inLong:
				j := strings.Index(rest, longEnd)
				if j < 0 {
					rest = ""
					continue
				}
				rest, inLong = rest[j+len(longEnd):], false
			case inTemplate:
				j := strings.IndexByte(rest, '`')
				if j < 0 {
					rest = ""
					continue
				}
				rest, inTemplate = rest[j+1:], false
			default:
				c := rest[0]
				switch {
				case lang == "lua" && strings.HasPrefix(rest, "--"):
					if eq, ok := longBracket(rest[2:]); ok {
						inBlock, blockEnd = true, "]"+eq+"]"
						rest = rest[2+len(eq)+2:]
					} else {
						rest = ""
					}
				case lang != "lua" && strings.HasPrefix(rest, "//"):
					rest = ""
				case lang != "lua" && strings.HasPrefix(rest, "/*"):
					inBlock, blockEnd = true, "*/"
					rest = rest[2:]
				case c == '"' || c == '\'':
					code.WriteByte('x')
					j := 1
					for j < len(rest) && rest[j] != c {
						if rest[j] == '\\' {
							j++
						}
						j++
					}
					rest = rest[min(j+1, len(rest)):]
				case c == '`' && lang != "lua":
					code.WriteByte('x')
					inTemplate = true
					rest = rest[1:]
				case c == '[' && lang == "lua":
					if eq, ok := longBracket(rest); ok {
						code.WriteByte('x')
						inLong, longEnd = true, "]"+eq+"]"
						rest = rest[len(eq)+2:]
						continue
					}
					code.WriteByte(c)
					rest = rest[1:]
				default:
					code.WriteByte(c)
					rest = rest[1:]
				}
			}
		}
		if hasCode(lang, code.String()) {
			out = append(out, i+1)
		}
	}
	return out
}

// longBracket reports whether s starts a Lua long bracket ("[[", "[==[")
// and returns its "=" run.
func longBracket(s string) (string, bool) {
	if !strings.HasPrefix(s, "[") {
		return "", false
	}
	j := 1
	for j < len(s) && s[j] == '=' {
		j++
	}
	if j < len(s) && s[j] == '[' {
		return s[1:j], true
	}
	return "", false
}

// framing are the words that only frame a block.
var framing = map[string]map[string]bool{
	"js":  {"else": true, "try": true, "finally": true, "do": true},
	"lua": {"end": true, "else": true, "do": true, "then": true, "repeat": true},
}

// jsFraming are JS lines (comments and strings removed) that compile to no
// instruction of their own: a catch clause's head, a loop whose condition
// is the constant true, a return whose value starts on the next lines.
var jsFraming = regexp.MustCompile(`^[\s}]*(catch\s*(\(\s*[\w$]*\s*\))?|while\s*\(\s*true\s*\)|for\s*\(\s*;\s*;\s*\)|return\s*[{\[(])[\s{]*$`)

// hasCode reports whether a line with comments removed holds more than
// punctuation and framing words.
func hasCode(lang, s string) bool {
	if lang != "lua" && jsFraming.MatchString(s) {
		return false
	}
	words := strings.FieldsFunc(s, func(r rune) bool {
		return strings.ContainsRune("{}()[];, \t\r", r)
	})
	for _, w := range words {
		if !framing[lang][w] {
			return true
		}
	}
	return false
}
