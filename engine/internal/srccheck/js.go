package srccheck

import "unicode/utf8"

// Brace kinds (frame.sub of a '{' frame) in JS.
const (
	braceObject = 'o' // object literal: an operand when it closes
	braceFnExpr = 'x' // body of a function or class expression: an operand
	braceStmt   = 's' // block statement or declaration body: ends a statement
	braceBody   = 'b' // arrow, method or class body: nothing follows in the chain
)

// JS checks that src, a JavaScript script, nests no deeper than maxDepth
// levels (DefaultMaxDepth when maxDepth <= 0). It returns nil or an *Error
// at the first place it goes deeper.
func JS(src string, maxDepth int) error {
	c := newChecker(src, maxDepth)
	c.js()
	return c.err()
}

type jsState struct {
	operand   bool // the last token ends an operand: '/' is division
	newline   bool // a line terminator since the last token
	dot       bool // the last token is '.' or '?.': a keyword is a name
	async     bool // the last token is the word async
	stmtStart bool // the next token starts a statement
	label     bool // the last token was a label name: ':' keeps stmtStart
	ctrl      bool // the last token is if/while/for/with/switch/catch: '(' opens a control head
	block     bool // the last token is else/do/try/finally: '{' is a block
	arrow     bool // the last token is '=>': '{' is a body
	els       bool // the last token is else
}

func (c *checker) js() {
	src := c.src
	s := jsState{stmtStart: true}
	i := 0
	if len(src) >= 2 && src[0] == '#' && src[1] == '!' {
		i = skipLineJS(src, 0)
	}
	for i < len(src) {
		b := src[i]
		switch {
		case b == '\n' || b == '\r':
			s.newline = true
			i++
			continue
		case b == ' ' || b == '\t' || b == '\v' || b == '\f':
			i++
			continue
		case b >= 0x80:
			r, n := utf8.DecodeRuneInString(src[i:])
			if r == '\u2028' || r == '\u2029' {
				s.newline = true
				i += n
				continue
			}
			if r == '\u00a0' || r == '\ufeff' || r >= '\u2000' && r <= '\u200a' || r == '\u3000' || r == '\u1680' || r == '\u202f' || r == '\u205f' {
				i += n
				continue
			}
		}
		if b == '/' && i+1 < len(src) && src[i+1] == '/' {
			i = skipLineJS(src, i)
			continue
		}
		if b == '/' && i+1 < len(src) && src[i+1] == '*' {
			end := indexFrom(src, i+2, "*/")
			if end < 0 {
				return
			}
			for _, r := range src[i:end] {
				if r == '\n' || r == '\r' || r == '\u2028' || r == '\u2029' {
					s.newline = true
					break
				}
			}
			i = end + 2
			continue
		}
		start := i
		f := c.top()
		wasOperand, wasNewline, wasDot, wasAsync := s.operand, s.newline, s.dot, s.async
		wasStmtStart, wasLabel, wasCtrl, wasBlock, wasArrow, wasElse := s.stmtStart, s.label, s.ctrl, s.block, s.arrow, s.els
		s = jsState{operand: s.operand}

		// operand begins an operand token; an operand right after another is
		// a new statement (ASI), which ends the chains.
		operand := func() {
			if wasOperand && !(wasAsync && !wasNewline) {
				f.endStatement()
			}
			f.unary = 0
			s.operand = true
		}

		switch {
		case isIdentByte(b) && !isDigit(b) || b == '#' || b == '\\':
			i = ident(src, i+1, true)
			w := src[start:i]
			if wasDot {
				operand()
				break
			}
			keywordKey := false
			if j := skipSpace(src, i); j < len(src) && src[j] == ':' {
				keywordKey = true // a property key or label, not a keyword
			}
			switch {
			case keywordKey && w != "default":
				operand()
				if wasStmtStart {
					f.stmt += level
					s.label = true
					if !c.check(start) {
						return
					}
				}
			case w == "in" || w == "instanceof" || w == "of":
				f.expr += binary
				s.operand = false
			case w == "typeof" || w == "void" || w == "delete" || w == "await" || w == "new" || w == "yield":
				if wasOperand {
					f.endStatement()
				}
				f.unary++
				s.operand = false
				if !c.check(start) {
					return
				}
			case w == "if" || w == "while" || w == "for" || w == "with":
				if wasOperand {
					f.endStatement()
				}
				if w == "if" && wasElse {
					f.stmt += elseIf
				} else {
					f.stmt += level
				}
				s.operand, s.ctrl = false, true
				if !c.check(start) {
					return
				}
			case w == "switch" || w == "catch":
				if wasOperand {
					f.endStatement()
				}
				s.operand, s.ctrl = false, true
			case w == "else":
				if wasOperand {
					f.endStatement()
				}
				if f.save > f.stmt {
					f.stmt = f.save
				}
				s.operand, s.block, s.stmtStart, s.els = false, true, true, true
			case w == "do":
				if wasOperand {
					f.endStatement()
				}
				f.stmt += level
				s.operand, s.block, s.stmtStart = false, true, true
				if !c.check(start) {
					return
				}
			case w == "try" || w == "finally":
				if wasOperand {
					f.endStatement()
				}
				s.operand, s.block = false, true
			case w == "function" || w == "class":
				if wasOperand {
					f.endStatement()
				}
				if wasStmtStart || wasOperand || wasBlock {
					f.fn = 'd'
				} else {
					f.fn = 'e'
				}
				s.operand = false
			case w == "return" || w == "throw" || w == "case" || w == "default" || w == "extends" ||
				w == "var" || w == "let" || w == "const" || w == "import" || w == "export":
				if wasOperand {
					f.endStatement()
				}
				s.operand = false
			default: // a name, or a keyword that is an operand (this, null, ...)
				operand()
				s.async = w == "async"
			}
		case isDigit(b) || b == '.' && i+1 < len(src) && isDigit(src[i+1]):
			operand()
			i = number(src, i)
		case b == '"' || b == '\'':
			operand()
			i = skipStringJS(src, i)
		case b == '`':
			if wasOperand {
				f.expr += binary // tagged template
			} else {
				operand()
			}
			f.unary = 0
			s.operand = true
			var open bool
			i, open = skipTemplate(src, i+1)
			if open {
				if !c.push('$', 0, i-2) {
					return
				}
				s.operand = false
			}
		case b == '/' && !wasOperand:
			operand()
			i = skipRegexp(src, i)
		case b == '(' || b == '[' || b == '{':
			i++
			sub := byte(0)
			if wasOperand && b != '{' {
				f.expr += binary // call or index
			}
			if b == '(' && wasCtrl {
				sub = 'c'
			}
			if b == '{' {
				switch {
				case f.fn == 'e':
					sub = braceFnExpr
				case f.fn == 'd' || wasBlock || wasStmtStart || wasCtrl:
					sub = braceStmt
				case wasArrow || wasOperand:
					sub = braceBody
				default:
					sub = braceObject
				}
				f.fn = 0
			}
			if !c.push(b, sub, start) {
				return
			}
			s.operand = false
			s.stmtStart = b == '{' && sub != braceObject
		case b == ')' || b == ']':
			i++
			want := "("
			if b == ']' {
				want = "["
			}
			fr, ok := c.pop(want)
			if !ok {
				break
			}
			f = c.top()
			if fr.sub == 'c' {
				s.operand, s.stmtStart = false, true
			} else {
				f.unary = 0
				s.operand = true
			}
		case b == '}':
			i++
			fr, ok := c.pop("{$")
			if !ok {
				break
			}
			f = c.top()
			if fr.kind == '$' {
				var open bool
				i, open = skipTemplate(src, i)
				if open {
					if !c.push('$', 0, i-2) {
						return
					}
					s.operand = false
				} else {
					s.operand = true
				}
				break
			}
			switch fr.sub {
			case braceObject, braceFnExpr:
				f.unary = 0
				s.operand = true
			case braceStmt:
				f.endStatement()
				s.operand, s.stmtStart = false, true
			default:
				s.operand = false
			}
		case b == ';':
			i++
			f.endStatement()
			s.operand, s.stmtStart = false, true
		case b == ',':
			i++
			f.expr, f.unary = 0, 0
			s.operand = false
		case b == ':':
			i++
			s.operand = false
			s.stmtStart = wasLabel
		default:
			op := punct(src, i)
			i += len(op)
			s.operand = false
			switch op {
			case "=", "+=", "-=", "*=", "/=", "%=", "**=", "<<=", ">>=", ">>>=", "&=", "|=", "^=", "&&=", "||=", "??=", "?", "**":
				f.expr += level
			case "=>":
				f.expr += level
				s.arrow = true
			case "!", "~":
				f.unary++
			case "+", "-":
				if wasOperand {
					f.expr += binary
				} else {
					f.unary++
				}
			case "++", "--":
				if wasOperand && !wasNewline {
					s.operand = true // postfix
				} else {
					if wasOperand {
						f.endStatement()
					}
					f.unary++
				}
			case ".", "?.":
				f.expr += binary
				s.dot = true
			case "...":
			default:
				f.expr += binary
			}
			if !c.check(start) {
				return
			}
		}
	}
}

var puncts = []string{
	">>>=", "...", "===", "!==", "**=", "<<=", ">>=", ">>>", "&&=", "||=", "??=",
	"=>", "==", "!=", "<=", ">=", "&&", "||", "??", "?.", "++", "--", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<", ">>", "**",
}

// punct returns the punctuator at i (longest match); an unknown byte is a
// punctuator of its own (one UTF-8 sequence).
func punct(src string, i int) string {
	for _, p := range puncts {
		if len(src)-i >= len(p) && src[i:i+len(p)] == p {
			if p == "?." && i+2 < len(src) && isDigit(src[i+2]) {
				continue // a ? .5 : b
			}
			return p
		}
	}
	if src[i] >= 0x80 {
		_, n := utf8.DecodeRuneInString(src[i:])
		return src[i : i+n]
	}
	return src[i : i+1]
}

func skipSpace(src string, i int) int {
	for i < len(src) && (src[i] == ' ' || src[i] == '\t') {
		i++
	}
	return i
}

func indexFrom(src string, i int, sub string) int {
	for j := i; j+len(sub) <= len(src); j++ {
		if src[j:j+len(sub)] == sub {
			return j
		}
	}
	return -1
}

// isLineEndJS reports whether a line terminator starts at i, and its length.
func isLineEndJS(src string, i int) (bool, int) {
	switch src[i] {
	case '\n', '\r':
		return true, 1
	case 0xe2:
		if i+2 < len(src) && src[i+1] == 0x80 && (src[i+2] == 0xa8 || src[i+2] == 0xa9) {
			return true, 3
		}
	}
	return false, 0
}

// skipLineJS returns the offset of the line terminator ending the line
// (comment) that starts at i.
func skipLineJS(src string, i int) int {
	for i < len(src) {
		if ok, _ := isLineEndJS(src, i); ok {
			return i
		}
		i++
	}
	return i
}

// skipStringJS skips a quoted string starting at i. An unterminated string
// ends at the line terminator (the parser reports it).
func skipStringJS(src string, i int) int {
	q := src[i]
	i++
	for i < len(src) {
		switch b := src[i]; {
		case b == q:
			return i + 1
		case b == '\\':
			i += 2
			if i <= len(src) && src[i-1] == '\r' && i < len(src) && src[i] == '\n' {
				i++
			}
			continue
		}
		if ok, _ := isLineEndJS(src, i); ok {
			return i // goja ends a string at any line terminator
		}
		i++
	}
	return len(src)
}

// skipTemplate skips template characters from i (just after ` or the } of
// a substitution). It returns the offset after the closing ` (open false)
// or after a ${ (open true).
func skipTemplate(src string, i int) (int, bool) {
	for i < len(src) {
		switch src[i] {
		case '\\':
			i += 2
			continue
		case '`':
			return i + 1, false
		case '$':
			if i+1 < len(src) && src[i+1] == '{' {
				return i + 2, true
			}
		}
		i++
	}
	return len(src), false
}

// skipRegexp skips a regular expression literal starting at i (the '/'),
// with its flags. An unterminated one ends at the line terminator.
func skipRegexp(src string, i int) int {
	i++
	class := false
	for i < len(src) {
		if ok, _ := isLineEndJS(src, i); ok {
			return i
		}
		switch src[i] {
		case '\\':
			i++
			if i < len(src) {
				if ok, _ := isLineEndJS(src, i); ok {
					return i
				}
			}
		case '[':
			class = true
		case ']':
			class = false
		case '/':
			if !class {
				return ident(src, i+1, true)
			}
		}
		i++
	}
	return i
}
