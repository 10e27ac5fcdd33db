package srccheck

import (
	"fmt"
	"unicode/utf8"
)

// DefaultMaxDepth is the depth Lua uses when maxDepth <= 0.
const DefaultMaxDepth = 256

// Error reports where the nesting went too deep. Line and Col are 1-based;
// Col counts Unicode code points.
type Error struct {
	Line, Col int
	Msg       string
}

func (e *Error) Error() string { return fmt.Sprintf("%d:%d: %s", e.Line, e.Col, e.Msg) }

// Weights. Depth is counted in units: a bracket, a block, a prefix operator,
// a right-associative operator or a statement that nests another without
// braces is a level; an else-if is an eighth of a level (its parse is cheap
// and long chains are ordinary code); a left-associative binary operator or
// a member access or call in a chain is a 64th of a level (it nests the tree
// the compiler walks, but thousands of terms are ordinary).
const (
	level  = 64
	elseIf = level / 8
	binary = 1
)

// frame is one open bracket or block, with the chains counted inside it.
type frame struct {
	kind  byte // '(' '[' '{' '$' (JS template ${), or a Lua block: 'f' 'd' 't' 'r'
	sub   byte // JS: brace kind; '(' opened a control head: 'c'; Lua 't': 'e' after elseif
	base  int  // depth of the frame's contents, in levels
	stmt  int  // units of statement nesting (if/while/for/labels, else-if)
	expr  int  // units of expression nesting (right-assoc and binary chains)
	unary int  // levels of prefix operators since the last operand
}

func (f *frame) depth() int { return f.base + (f.stmt+f.expr+level-1)/level + f.unary }

type checker struct {
	src    string
	max    int
	frames []frame
	errOff int
}

func newChecker(src string, max int) *checker {
	if max <= 0 {
		max = DefaultMaxDepth
	}
	c := &checker{src: src, max: max, errOff: -1}
	c.frames = make([]frame, 1, 64)
	return c
}

func (c *checker) top() *frame { return &c.frames[len(c.frames)-1] }

// check records an error at off if the current depth is over the limit.
func (c *checker) check(off int) bool {
	if c.top().depth() > c.max {
		c.errOff = off
		return false
	}
	return true
}

// push opens a frame at off; false when that goes too deep.
func (c *checker) push(kind, sub byte, off int) bool {
	d := c.top().depth() + 1
	if d > c.max {
		c.errOff = off
		return false
	}
	c.frames = append(c.frames, frame{kind: kind, sub: sub, base: d})
	return true
}

// pop closes the top frame if it is one of kinds (a closer that does not
// match is ignored, which only over-counts); it returns the closed frame.
func (c *checker) pop(kinds string) (frame, bool) {
	if len(c.frames) == 1 {
		return frame{}, false
	}
	f := *c.top()
	for i := 0; i < len(kinds); i++ {
		if f.kind == kinds[i] {
			c.frames = c.frames[:len(c.frames)-1]
			return f, true
		}
	}
	return frame{}, false
}

func (c *checker) err() error {
	if c.errOff < 0 {
		return nil
	}
	line, col := 1, 1
	for i, r := range c.src {
		if i >= c.errOff {
			break
		}
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return &Error{Line: line, Col: col, Msg: fmt.Sprintf("nesting deeper than %d levels", c.max)}
}

func isIdentByte(b byte) bool {
	return b == '_' || b == '$' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b >= 0x80
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// ident returns the end of the identifier (or keyword) starting at i. In
// JS, U+2028 and U+2029 end it (they are line terminators).
func ident(src string, i int, js bool) int {
	for i < len(src) && isIdentByte(src[i]) {
		if src[i] >= 0x80 && js {
			r, n := utf8.DecodeRuneInString(src[i:])
			if r == '\u2028' || r == '\u2029' {
				return i
			}
			i += n
			continue
		}
		i++
	}
	return i
}

// number returns the end of the number starting at i: digits, letters,
// dots and the sign of a decimal (e, E) or hexadecimal (p, P) exponent.
func number(src string, i int) int {
	hex := i+1 < len(src) && src[i] == '0' && (src[i+1] == 'x' || src[i+1] == 'X')
	for i < len(src) {
		b := src[i]
		switch {
		case isIdentByte(b) && b < 0x80 || b == '.':
			i++
			if i < len(src) && (src[i] == '+' || src[i] == '-') {
				e := b == 'e' || b == 'E'
				if hex {
					e = b == 'p' || b == 'P'
				}
				if e {
					i++
				}
			}
		default:
			return i
		}
	}
	return i
}
