package loc_test

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/scriptrun/scriptrun/loc"
)

func TestSnippet(t *testing.T) {
	tests := []struct {
		name string
		src  string
		p    loc.Pos
		syn  loc.Syntax
		want string
	}{
		{"caret", "let a = 1;\nreturn x.y.z\n", loc.Pos{Line: 2, Col: 10}, loc.JS,
			"2 | return x.y.z\n  |          ^"},
		{"first column", "}{", loc.Pos{Line: 1, Col: 1}, loc.JS, "1 | }{\n  | ^"},
		{"no column", "x = 1\nerror('boom')", loc.Pos{Line: 2}, loc.Lua, "2 | error('boom')"},
		{"no line", "x", loc.Pos{File: "t.js"}, loc.JS, ""},
		{"line past the end", "x\ny", loc.Pos{Line: 3, Col: 1}, loc.JS, ""},
		{"column past the end", "f(", loc.Pos{Line: 1, Col: 9}, loc.JS, "1 | f(\n  |   ^"},
		{"end of line", "f(", loc.Pos{Line: 1, Col: 3}, loc.JS, "1 | f(\n  |   ^"},
		{"empty line", "a\n\nb", loc.Pos{Line: 2, Col: 1}, loc.JS, "2 | \n  | ^"},
		{"wide gutter", strings.Repeat("\n", 11) + "x y", loc.Pos{Line: 12, Col: 3}, loc.JS,
			"12 | x y\n   |   ^"},
		// Tabs are repeated in the caret line, so the caret stays under
		// its column at any tab width.
		{"tabs", "\tif x {\n\t\treturn y.z\n", loc.Pos{Line: 2, Col: 11}, loc.JS,
			"2 | \t\treturn y.z\n  | \t\t        ^"},
		// Columns count bytes in scripts, characters in YAML.
		{"bytes", `s = "héllo" + x`, loc.Pos{Line: 1, Col: 16}, loc.JS, "1 | s = \"héllo\" + x\n  |               ^"},
		{"runes", `s: "héllo" + x`, loc.Pos{Line: 1, Col: 14}, loc.YAML, "1 | s: \"héllo\" + x\n  |              ^"},
		{"wide", "s = '日本' + x", loc.Pos{Line: 1, Col: 16}, loc.JS, "1 | s = '日本' + x\n  |              ^"},
		{"combining", "e\u0301 + x", loc.Pos{Line: 1, Col: 7}, loc.JS, "1 | e\u0301 + x\n  |     ^"},
		// Controls are escaped, and the caret moves past the escape.
		{"escape", "a = '\x1b[2J' + x", loc.Pos{Line: 1, Col: 14}, loc.JS, "1 | a = '\\x1b[2J' + x\n  |                 ^"},
		{"bidi", "/*\u202e*/ x", loc.Pos{Line: 1, Col: 9}, loc.JS, "1 | /*\\u202e*/ x\n  |            ^"},
		{"bad utf-8", "a\xffb x", loc.Pos{Line: 1, Col: 5}, loc.JS, "1 | a\\xffb x\n  |        ^"},
		{"caret on an escape", "a\x07b", loc.Pos{Line: 1, Col: 2}, loc.JS, "1 | a\\ab\n  |  ^"},
		// Each language's line breaks.
		{"js cr", "a\rb\u2028c\r\nd", loc.Pos{Line: 4, Col: 1}, loc.JS, "4 | d\n  | ^"},
		{"js crlf", "a\r\nb", loc.Pos{Line: 1, Col: 2}, loc.JS, "1 | a\n  |  ^"},
		{"lua", "a\n\rb\rc\u2028d", loc.Pos{Line: 3, Col: 1}, loc.Lua, "3 | c\\u2028d\n  | ^"},
		{"yaml", "a\u0085b\r\nc", loc.Pos{Line: 3, Col: 1}, loc.YAML, "3 | c\n  | ^"},
	}
	for _, tt := range tests {
		if got := loc.Snippet(tt.src, tt.p, tt.syn); got != tt.want {
			t.Errorf("%s: Snippet(%q, %v, %v) =\n%s\nwant\n%s", tt.name, tt.src, tt.p, tt.syn, got, tt.want)
		}
	}
}

// A long line is shown as a window of at most SnippetWidth columns with
// the caret in it, whatever the line's length.
func TestSnippetLongLine(t *testing.T) {
	for _, n := range []int{loc.SnippetWidth + 1, 1000, 1 << 20} {
		for _, col := range []int{1, 30, n / 2, n, n + 1} {
			line := strings.Repeat("a", col-1) + "X" + strings.Repeat("b", max(0, n-col))
			if col > n {
				line = strings.Repeat("a", n)
			}
			got := loc.Snippet("first\n"+line, loc.Pos{Line: 2, Col: col}, loc.JS)
			src, caret, ok := strings.Cut(got, "\n")
			if !ok {
				t.Fatalf("n=%d col=%d: no caret line:\n%s", n, col, got)
			}
			if len(src) > len("2 | ")+loc.SnippetWidth+6 {
				t.Errorf("n=%d col=%d: line of %d bytes shown", n, col, len(src))
			}
			i := strings.IndexByte(caret, '^')
			if i != len(caret)-1 {
				t.Fatalf("n=%d col=%d: caret line %q", n, col, caret)
			}
			want := byte('X')
			if col > n {
				if i != len(src) && !strings.HasSuffix(src, "...") {
					t.Errorf("n=%d col=%d: caret at %d, line of %d", n, col, i, len(src))
				}
				continue
			}
			if i >= len(src) || src[i] != want {
				t.Errorf("n=%d col=%d: caret not under X:\n%s", n, col, got)
			}
			if cut := n > loc.SnippetWidth; cut != (strings.HasPrefix(src[4:], "...") || strings.HasSuffix(src, "...")) {
				t.Errorf("n=%d col=%d: cut marks wrong:\n%.200s", n, col, got)
			}
		}
	}
}

// FuzzSnippet: whatever the source, the frame is at most two lines, holds
// no character a terminal would act on, and has its caret last.
func FuzzSnippet(f *testing.F) {
	f.Add("a\x1b]0;x\x07\nb\u202ec", 1, 3)
	f.Add("\t\t\xff日本\u0301", 1, 5)
	f.Fuzz(func(t *testing.T, src string, line, col int) {
		for _, syn := range []loc.Syntax{loc.JS, loc.Lua, loc.YAML} {
			got := loc.Snippet(src, loc.Pos{Line: line, Col: col}, syn)
			lines := strings.Split(got, "\n")
			if len(lines) > 2 {
				t.Fatalf("%v: %d lines: %q", syn, len(lines), got)
			}
			for _, r := range got {
				if r == utf8.RuneError || r != '\n' && r != '\t' && r != ' ' && !unicode.IsPrint(r) {
					t.Fatalf("%v: %U in %q", syn, r, got)
				}
			}
			if len(lines) == 2 && !strings.HasSuffix(lines[1], "^") {
				t.Fatalf("%v: caret line %q", syn, lines[1])
			}
		}
	})
}
