package goja

import (
	"math/rand"
	"strings"
	"testing"

	"github.com/scriptrun/scriptrun/third_party/goja/parser"
)

// TestTrimmedUTF8ParsesTheSame: unicodeString.toTrimmedUTF8 converts only
// up to the first character that no number parser gets past; every parser
// that reads its result must give what it gives on the whole trimmed
// string (upstream's strings.Trim(s.String(), parser.WhitespaceChars)).
func TestTrimmedUTF8ParsesTheSame(t *testing.T) {
	pieces := []string{"0", "1", "7", "9", "12", ".", "e", "E", "+", "-", "x", "0x", "0b", "_", "a", "f", "z",
		"Infinity", "NaN", " ", "\t", "\n", "\u00a0", "\u0085", "\u1680", "\u180e", "\u2007", "\u2028", "\u3000", "\ufeff",
		"\u00e9", "\uff11", "\u0661", "\U0001F600"}
	lone := []uint16{0xd800, 0xdc00}
	rnd := rand.New(rand.NewSource(3))
	for i := 0; i < 20000; i++ {
		var b strings.Builder
		for n := 1 + rnd.Intn(10); n > 0; n-- {
			b.WriteString(pieces[rnd.Intn(len(pieces))])
		}
		// Make it a unicodeString: a letter, or a space that trims.
		b.WriteString([]string{"\u00e9", "\u00a0", "\u2028", "\u0085", "\ufeff"}[rnd.Intn(5)])
		for n := rnd.Intn(4); n > 0; n-- {
			b.WriteString(pieces[rnd.Intn(len(pieces))])
		}
		u, ok := newStringValue(b.String()).(unicodeString)
		if !ok {
			t.Fatalf("%+q is not a unicodeString", b.String())
		}
		if rnd.Intn(4) == 0 {
			u = append(u[:len(u):len(u)], lone[rnd.Intn(2)])
		}
		got, want := u.toTrimmedUTF8(), strings.Trim(u.String(), parser.WhitespaceChars)
		if g, w := asciiString(got).ToNumber(), asciiString(want).ToNumber(); !g.SameAs(w) {
			t.Fatalf("ToNumber(%+q) = %v, want %v (of %+q)", got, g, w, want)
		}
		for _, radix := range []int{0, 2, 10, 16, 36} {
			g, _ := parseInt(got, radix)
			w, _ := parseInt(want, radix)
			if !g.SameAs(w) {
				t.Fatalf("parseInt(%+q, %d) = %v, want %v (of %+q)", got, radix, g, w, want)
			}
		}
		if g, w := parseFloatRegexp.FindStringSubmatch(got), parseFloatRegexp.FindStringSubmatch(want); strings.Join(g, "|") != strings.Join(w, "|") {
			t.Fatalf("parseFloat(%+q) matched %q, want %q (of %+q)", got, g, w, want)
		}
		gb, gerr := stringToBigInt(got)
		wb, werr := stringToBigInt(want)
		if (gerr == nil) != (werr == nil) || (gerr == nil && gb.Cmp(wb) != 0) {
			t.Fatalf("BigInt(%+q) = %v, %v; want %v, %v (of %+q)", got, gb, gerr, wb, werr, want)
		}
	}
}
