package loc

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Printable returns s with every rune that is not printable (C0 and C1
// controls including newline, ESC and BEL, DEL, bidirectional and other
// format characters, line and paragraph separators) written as a Go escape
// (\n, \x1b, \u202e), and every byte that is not UTF-8 as \xNN. Printable
// text, the space and the backslash are kept as they are: the output is for
// people to read on a terminal, one line, and nothing a script wrote can
// forge a line or drive the terminal through it.
func Printable(s string) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || r != ' ' && !unicode.IsPrint(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			b.WriteString(`\x` + strconv.FormatUint(uint64(s[i])|0x100, 16)[1:])
		case r == ' ' || unicode.IsPrint(r):
			b.WriteString(s[i : i+size])
		default:
			// QuoteRuneToASCII gives \n, \t, \x1b, \u009b, \u202e, \U000e0001.
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
		}
		i += size
	}
	return b.String()
}
