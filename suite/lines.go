package suite

import (
	"regexp"
	"strings"
)

// CodeLines returns the 1-based numbers of the lines of src (a "js" or
// "lua" script) that hold code, the lines coverage reports on: not blank,
// not only a comment, and not only closing or opening punctuation and the
// keywords that frame a block (`}`, `});`, `end`, `else`, `} else {`,
// `try {`, `} catch (e) {`, `while (true) {`, `while true do`, `return {`
// opening a value on the lines after), which no backend reports as run.
// Coverage also counts a line of a multi-line expression (an object or
// table constructor, call arguments) as run when any line of the
// expression ran, since compilers give many such lines no instruction of
// their own. It is a lexical approximation: it knows comments, strings
// and brackets well enough for that, nothing more.
func CodeLines(lang, src string) []int {
	lines, _ := codeGroups(lang, src)
	return lines
}

// bracket is an open bracket in codeGroups: literal for the brackets of an
// expression (parentheses, brackets, object and table constructors),
// not for a block's braces; line is where it opened, or where the
// expression it continues began.
type bracket struct {
	literal bool
	line    int
}

// codeGroups returns CodeLines and, for the lines that continue an
// expression begun on an earlier line (inside the parentheses, brackets or
// object/table constructor it opened, and not inside a block nested in
// them, such as a function body), the line it began on. A compiler often
// gives such lines no instruction of their own (`verified: true,` in a
// returned object), so coverage counts a group as run when any of its
// lines ran.
func codeGroups(lang, src string) ([]int, map[int]int) {
	var out []int
	group := map[int]int{}
	var stack []bracket
	var prevSig byte    // the last code byte before a bracket, spaces skipped
	var prevWord string // the last word before it
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
		lineNo := i + 1
		// The line continues an expression when the innermost open
		// bracket is an expression's; it belongs to the line where the
		// run of such brackets at the top of the stack began.
		leader := 0
		for k := len(stack) - 1; k >= 0 && stack[k].literal; k-- {
			leader = stack[k].line
		}
		text := code.String()
		if hasCode(lang, text) {
			out = append(out, lineNo)
			if leader > 0 {
				group[lineNo] = leader
			}
		}
		for j := 0; j < len(text); j++ {
			c := text[j]
			switch {
			case c == '(' || c == '[' || c == '{':
				lit := c != '{' || lang == "lua" || strings.IndexByte("=(,:[?", prevSig) >= 0 || prevWord == "return"
				at := lineNo
				if leader > 0 && lit {
					at = leader
				} else if n := len(stack); lit && n > 0 && stack[n-1].literal {
					at = stack[n-1].line
				}
				stack = append(stack, bracket{literal: lit, line: at})
			case c == ')' || c == ']' || c == '}':
				if len(stack) > 0 {
					stack = stack[:len(stack)-1]
				}
			}
			switch {
			case c == ' ' || c == '\t' || c == '\r':
				continue
			case isWordByte(c):
				k := j
				for k < len(text) && isWordByte(text[k]) {
					k++
				}
				prevWord, prevSig = text[j:k], text[k-1]
				j = k - 1
				if lang == "lua" {
					// Lua's blocks are words: a function body passed in
					// parentheses is a block of its own.
					switch prevWord {
					case "function", "if", "do", "repeat":
						stack = append(stack, bracket{line: lineNo})
					case "end", "until":
						if len(stack) > 0 {
							stack = stack[:len(stack)-1]
						}
					}
				}
				continue
			}
			prevSig, prevWord = c, ""
		}
		if leader == 0 && len(stack) == 0 {
			prevWord = ""
		}
	}
	return out, group
}

func isWordByte(c byte) bool {
	return c == '_' || c == '$' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
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

// luaFraming are Lua lines that compile to no instruction of their own: a
// loop whose condition is the constant true.
var luaFraming = regexp.MustCompile(`^\s*while\s+true\s+do\s*$`)

// hasCode reports whether a line with comments removed holds more than
// punctuation and framing words.
func hasCode(lang, s string) bool {
	if lang != "lua" && jsFraming.MatchString(s) || lang == "lua" && luaFraming.MatchString(s) {
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
