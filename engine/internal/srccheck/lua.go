package srccheck

// Lua checks that src, a Lua chunk, nests no deeper than maxDepth levels
// (DefaultMaxDepth when maxDepth <= 0). It returns nil or an *Error at the
// first place it goes deeper.
func Lua(src string, maxDepth int) error {
	c := newChecker(src, maxDepth)
	c.lua()
	return c.err()
}

func (c *checker) lua() {
	src := c.src
	operand := false
	fnHead := false // between function and its parameter list: no calls
	i := 0
	if len(src) >= 1 && src[0] == '#' {
		i = skipLineLua(src, 0) // gopher-lua skips a first line starting with #
	}
	for i < len(src) {
		b := src[i]
		if b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\v' || b == '\f' {
			i++
			continue
		}
		if b == '-' && i+1 < len(src) && src[i+1] == '-' {
			if n := longOpen(src, i+2); n >= 0 {
				i = skipLong(src, i+2, n)
			} else {
				i = skipLineLua(src, i)
			}
			continue
		}
		start := i
		f := c.top()
		was := operand
		// begin starts an operand; one right after another starts a new
		// statement, which ends the chains.
		begin := func() {
			if was {
				f.expr, f.unary = 0, 0
			}
			f.unary = 0
			operand = true
		}
		switch {
		case isIdentByte(b) && !isDigit(b) && b < 0x80:
			i = ident(src, i+1, false)
			w := src[start:i]
			operand = false
			if fnHead {
				break // the function's name
			}
			switch w {
			case "and", "or":
				f.expr += binary
			case "not":
				if was {
					f.expr = 0
				}
				f.unary++
			case "function", "do", "repeat":
				f.expr, f.unary = 0, 0
				kind := map[string]byte{"function": 'f', "do": 'd', "repeat": 'r'}[w]
				if !c.push(kind, 0, start) {
					return
				}
				fnHead = w == "function"
			case "then":
				f.expr, f.unary = 0, 0
				if f.kind == 't' && f.sub == 'e' {
					f.sub = 0
					break
				}
				if !c.push('t', 0, start) {
					return
				}
			case "elseif":
				f.expr, f.unary = 0, 0
				if f.kind == 't' {
					f.stmt += elseIf
					f.sub = 'e'
				}
			case "end":
				c.pop("fdt")
				f = c.top()
				f.expr, f.unary = 0, 0
				operand = true // function ... end is an expression
			case "until":
				c.pop("r")
				f = c.top()
				f.expr, f.unary = 0, 0
			case "if", "while", "for", "local", "return", "break", "goto", "else", "in":
				f.expr, f.unary = 0, 0
			default: // names, nil, true, false
				begin()
			}
			if !c.check(start) {
				return
			}
		case isDigit(b) || b == '.' && i+1 < len(src) && isDigit(src[i+1]):
			begin()
			i = number(src, i)
		case b == '"' || b == '\'':
			if !was {
				begin()
			} else {
				f.expr += binary // f "str" is a call
			}
			operand = true
			i = skipStringLua(src, i)
		case b == '[' && longOpen(src, i) >= 0:
			if !was {
				begin()
			} else {
				f.expr += binary
			}
			operand = true
			i = skipLong(src, i, longOpen(src, i))
		case b == '(' || b == '[' || b == '{':
			i++
			if was && !fnHead {
				f.expr += binary // call or index
			}
			fnHead = false
			if !c.push(b, 0, start) {
				return
			}
			operand = false
		case b == ')' || b == ']' || b == '}':
			i++
			want := map[byte]string{')': "(", ']': "[", '}': "{"}[b]
			if _, ok := c.pop(want); ok {
				f = c.top()
				f.unary = 0
				operand = true
			}
		case b == ';' || b == ',':
			i++
			f.expr, f.unary = 0, 0
			operand = false
		default:
			op := src[i : i+1]
			for _, p := range []string{"...", "..", "::", "==", "~=", "<=", ">=", "//", "<<", ">>"} {
				if len(src)-i >= len(p) && src[i:i+len(p)] == p {
					op = p
					break
				}
			}
			i += len(op)
			operand = false
			if fnHead && (op == "." || op == ":") {
				break
			}
			switch op {
			case "..", "^":
				f.expr += level
			case "-", "~":
				if was {
					f.expr += binary
				} else {
					f.unary++
				}
			case "#":
				f.unary++
			case "...":
				begin()
			case "::", "=":
				f.expr, f.unary = 0, 0
			case ".", ":":
				f.expr += binary
			default:
				f.expr += binary
			}
			if !c.check(start) {
				return
			}
		}
	}
}

// longOpen returns the level of a long bracket [==[ opening at i, or -1.
func longOpen(src string, i int) int {
	if i >= len(src) || src[i] != '[' {
		return -1
	}
	j := i + 1
	for j < len(src) && src[j] == '=' {
		j++
	}
	if j < len(src) && src[j] == '[' {
		return j - i - 1
	}
	return -1
}

// skipLong skips a long string or comment whose bracket of level n opens at
// i, returning the offset after its close (or the end of src).
func skipLong(src string, i, n int) int {
	i += n + 2
	for i < len(src) {
		if src[i] == ']' {
			j := i + 1
			for j < len(src) && src[j] == '=' {
				j++
			}
			if j < len(src) && src[j] == ']' && j-i-1 == n {
				return j + 1
			}
			i = j
			continue
		}
		i++
	}
	return len(src)
}

func skipLineLua(src string, i int) int {
	for i < len(src) && src[i] != '\n' && src[i] != '\r' {
		i++
	}
	return i
}

// skipStringLua skips a quoted string starting at i; an unterminated one
// ends at the line end.
func skipStringLua(src string, i int) int {
	q := src[i]
	i++
	for i < len(src) {
		switch src[i] {
		case q:
			return i + 1
		case '\\':
			i += 2
			continue
		case '\n', '\r':
			return i
		}
		i++
	}
	return len(src)
}
