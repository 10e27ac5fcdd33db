package loc

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Syntax says how a source language counts what a Pos holds: which
// characters end a line, and whether a column counts bytes or characters.
// Snippet needs it to find the line and the column the language meant: a
// script that ends its lines with a lone "\r" or U+2028 must not get a
// frame showing some other line.
type Syntax struct {
	name   string
	breaks func(s string) (at, size int) // the first line break in s, or -1
	runes  bool                          // columns count characters, not bytes
}

// The syntaxes of the sources scriptrun reports positions in.
var (
	// JS: lines end at \n, \r\n, \r, U+2028, U+2029; columns count bytes
	// (goja).
	JS = Syntax{name: "js", breaks: jsBreak}
	// Lua: lines end at \n, \r, \r\n, \n\r; columns count bytes
	// (gopher-lua).
	Lua = Syntax{name: "lua", breaks: luaBreak}
	// YAML: lines end at \n, \r\n, \r, U+0085, U+2028, U+2029; columns
	// count characters (yaml.v3, and CEL inside policy files).
	YAML = Syntax{name: "yaml", breaks: yamlBreak, runes: true}
)

// String returns the syntax's name: js, lua or yaml.
func (s Syntax) String() string { return s.name }

// SnippetWidth is the most columns of a source line a Snippet shows. A
// longer line is cut to a window around the column, marked by "..." at
// the ends that were cut.
const SnippetWidth = 100

// Snippet returns a code frame for p in src: the line p.Line with its
// number, and under it a caret under column p.Col,
//
//	2 | return x.y.z
//	  |          ^
//
// or the line alone when p has no column (Lua runtime errors). It returns
// "" when p has no line or src has no line p.Line. The frame has no
// trailing newline; p.File is not shown (put p.String() above it).
//
// The source is untrusted, and the frame is made for a terminal: every
// character that is not printable (C0 and C1 controls, ESC, DEL,
// bidirectional and other format characters, line separators) is written
// as a Go escape (\x1b, \u202e) and every byte that is not UTF-8 as \xNN,
// so what a script holds can neither drive the terminal nor make the line
// read as something it is not. Tabs are kept, and the caret line repeats
// them, so the caret stays under its column whatever the tab width; wide
// characters (CJK) take two columns, combining marks none. A line longer
// than SnippetWidth columns is shown as a window around the column.
func Snippet(src string, p Pos, syn Syntax) string {
	if p.Line <= 0 {
		return ""
	}
	line, ok := lineOf(src, p.Line, syn)
	if !ok {
		return ""
	}
	// The byte offset of the column, -1 without one.
	at := -1
	if p.Col > 0 {
		at = offsetOf(line, p.Col, syn.runes)
	}
	// Only a few windows' worth of bytes around the column are looked at:
	// a line may be a whole megabyte of minified script.
	lo, hi := 0, len(line)
	if len(line) > 8*SnippetWidth {
		lo = max(0, at-3*SnippetWidth)
		for n := 0; lo > 0 && n < utf8.UTFMax && !utf8.RuneStart(line[lo]); n++ {
			lo--
		}
		hi = min(len(line), max(at, lo)+6*SnippetWidth)
		for hi < len(line) && !utf8.RuneStart(line[hi]) {
			hi++
		}
	}
	cs := cellsOf(line[lo:hi])
	caret := -1 // the cell the caret is under; len(cs) past the end of the line
	if at >= 0 {
		caret = len(cs)
		for i, off := 0, lo; i < len(cs); i++ {
			if off+cs[i].size > at {
				caret = i
				break
			}
			off += cs[i].size
		}
	}
	// The columns shown: all of them when they fit, else SnippetWidth of
	// them with the caret a third of the way in.
	from, to := 0, len(cs)
	if lo > 0 || hi < len(line) || widthOf(cs) > SnippetWidth {
		x := widthOf(cs[:max(caret, 0)])
		for x > SnippetWidth/3 && from < caret {
			x -= cs[from].width
			from++
		}
		to = from
		for w := 0; to < len(cs) && w+cs[to].width <= SnippetWidth; to++ {
			w += cs[to].width
		}
	}
	cutLeft, cutRight := from > 0 || lo > 0, to < len(cs) || hi < len(line)
	num := strconv.Itoa(p.Line)
	var b strings.Builder
	b.WriteString(num)
	b.WriteString(" | ")
	if cutLeft {
		b.WriteString("...")
	}
	for _, c := range cs[from:to] {
		b.WriteString(c.text)
	}
	if cutRight {
		b.WriteString("...")
	}
	if caret < 0 {
		return b.String()
	}
	b.WriteByte('\n')
	b.WriteString(strings.Repeat(" ", len(num)))
	b.WriteString(" | ")
	if cutLeft {
		b.WriteString("   ")
	}
	for _, c := range cs[from:min(caret, to)] {
		if c.text == "\t" {
			b.WriteByte('\t')
		} else {
			b.WriteString(strings.Repeat(" ", c.width))
		}
	}
	b.WriteByte('^')
	return b.String()
}

// offsetOf returns the byte offset in line of column col (1-based, in
// bytes or characters), at most len(line).
func offsetOf(line string, col int, runes bool) int {
	if !runes {
		return min(col-1, len(line))
	}
	off := 0
	for n := 1; n < col && off < len(line); n++ {
		_, size := utf8.DecodeRuneInString(line[off:])
		off += size
	}
	return off
}

// lineOf returns line n (1-based) of src, without its line break.
func lineOf(src string, n int, syn Syntax) (string, bool) {
	for i := 1; ; i++ {
		at, size := syn.breaks(src)
		if i == n {
			if at >= 0 {
				return src[:at], true
			}
			return src, true
		}
		if at < 0 {
			return "", false
		}
		src = src[at+size:]
	}
}

// cell is what one character of a line (or one byte that is not UTF-8)
// shows as, and how many columns that takes.
type cell struct {
	text  string
	width int
	size  int // bytes of the line it stands for
}

func cellsOf(line string) []cell {
	cs := make([]cell, 0, len(line))
	for i := 0; i < len(line); {
		r, size := utf8.DecodeRuneInString(line[i:])
		c := cell{text: line[i : i+size], width: 1, size: size}
		switch {
		case r == utf8.RuneError && size <= 1:
			c.text = `\x` + strconv.FormatUint(uint64(line[i])|0x100, 16)[1:]
			c.width = len(c.text)
		case r == '\t':
			c.width = 4 // for the window only: the caret line repeats the tab
		case r == ' ':
		case !unicode.IsPrint(r):
			q := strconv.QuoteRuneToASCII(r)
			c.text = q[1 : len(q)-1]
			c.width = len(c.text)
		case unicode.In(r, unicode.Mn, unicode.Me):
			c.width = 0
		case wide(r):
			c.width = 2
		}
		cs = append(cs, c)
		i += size
	}
	return cs
}

func widthOf(cs []cell) int {
	w := 0
	for _, c := range cs {
		w += c.width
	}
	return w
}

// wide reports whether r takes two columns on a terminal: the East Asian
// wide and fullwidth blocks (a table of ranges as wcwidth has them, kept
// short: a character counted one column too few moves the caret, it hides
// nothing).
func wide(r rune) bool {
	switch {
	case r < 0x1100:
		return false
	case r <= 0x115f, // Hangul Jamo
		r >= 0x2e80 && r <= 0x303e, // CJK radicals .. CJK symbols
		r >= 0x3041 && r <= 0x33ff, // Hiragana .. CJK compatibility
		r >= 0x3400 && r <= 0x4dbf, // CJK extension A
		r >= 0x4e00 && r <= 0x9fff, // CJK unified ideographs
		r >= 0xa000 && r <= 0xa4cf, // Yi
		r >= 0xac00 && r <= 0xd7a3, // Hangul syllables
		r >= 0xf900 && r <= 0xfaff, // CJK compatibility ideographs
		r >= 0xfe30 && r <= 0xfe4f, // CJK compatibility forms
		r >= 0xff00 && r <= 0xff60, // fullwidth forms
		r >= 0xffe0 && r <= 0xffe6,
		r >= 0x1f300 && r <= 0x1f64f, // emoji
		r >= 0x1f900 && r <= 0x1f9ff,
		r >= 0x20000 && r <= 0x3fffd: // CJK extensions B..
		return true
	}
	return false
}

func jsBreak(s string) (int, int) {
	for i, r := range s {
		switch r {
		case '\n':
			return i, 1
		case '\r':
			if i+1 < len(s) && s[i+1] == '\n' {
				return i, 2
			}
			return i, 1
		case '\u2028', '\u2029':
			return i, 3
		}
	}
	return -1, 0
}

func luaBreak(s string) (int, int) {
	i := strings.IndexAny(s, "\r\n")
	if i < 0 {
		return -1, 0
	}
	if i+1 < len(s) && (s[i+1] == '\r' || s[i+1] == '\n') && s[i+1] != s[i] {
		return i, 2
	}
	return i, 1
}

func yamlBreak(s string) (int, int) {
	for i, r := range s {
		switch r {
		case '\n':
			return i, 1
		case '\r':
			if i+1 < len(s) && s[i+1] == '\n' {
				return i, 2
			}
			return i, 1
		case '\u0085':
			return i, 2
		case '\u2028', '\u2029':
			return i, 3
		}
	}
	return -1, 0
}
