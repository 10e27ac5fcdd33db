package goja

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/scriptrun/scriptrun/third_party/goja/parser"
)

// TestTrimUnicode compares trim on the UTF-16 with upstream's trip through
// UTF-8, on strings with every whitespace character, unpaired surrogates
// and ASCII or non-ASCII middles.
func TestTrimUnicode(t *testing.T) {
	units := []uint16{' ', '\t', '\n', '\v', '\f', '\r', 0xa0, 0x1680, 0x2000, 0x2005, 0x200a, 0x200b, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xfeff,
		'a', 'Z', 0xe9, 0xd83d, 0xde00, 0xdc00, 0xd800, 0x180e, 0x85}
	rnd := rand.New(rand.NewSource(2))
	for i := 0; i < 5000; i++ {
		u := unicodeString{0xfeff}
		for n := rnd.Intn(12); n > 0; n-- {
			u = append(u, units[rnd.Intn(len(units))])
		}
		u = append(u, 0xe9) // keep it non-ASCII
		for n := rnd.Intn(12); n > 0; n-- {
			u = append(u, units[rnd.Intn(len(units))])
		}
		s := u.String()
		for _, c := range []struct {
			left, right bool
			want        String
		}{
			{true, true, newStringValue(strings.Trim(s, parser.WhitespaceChars))},
			{true, false, newStringValue(strings.TrimLeft(s, parser.WhitespaceChars))},
			{false, true, newStringValue(strings.TrimRight(s, parser.WhitespaceChars))},
		} {
			cp := append(unicodeString(nil), u...)
			got := trimUnicode(cp, c.left, c.right)
			if !got.SameAs(c.want) || fmt.Sprintf("%T", got) != fmt.Sprintf("%T", c.want) {
				t.Fatalf("trim(%v, %v, %v) = %+q (%T), want %+q (%T)", []uint16(u[1:]), c.left, c.right, got, got, c.want, c.want)
			}
			if !cp.SameAs(u) {
				t.Fatalf("trim changed its input")
			}
		}
	}
}
