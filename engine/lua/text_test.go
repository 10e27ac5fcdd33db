package lua_test

import (
	"strings"
	"testing"

	"github.com/scriptrun/scriptrun/engine"
)

// TestErrorNotUTF8: an error message with bytes that are not UTF-8 shows
// them as \xNN, not as U+FFFD, and a long message is clipped at a
// character boundary.
func TestErrorNotUTF8(t *testing.T) {
	h := newHost(t)
	for src, want := range map[string]string{
		`error("a\255b", 0)`:                    `a\xffb`,
		`error({message = "m\192"})`:            `{"message":"m\\xc0"}`,
		`error(string.rep("x", 999) .. "é", 0)`: strings.Repeat("x", 999) + "...",
	} {
		_, err := run(t, h, src, engine.RunOptions{})
		e, ok := err.(*engine.Error)
		if !ok || e.Message != want {
			t.Errorf("%s: got %v, want message %q", src, err, want)
		}
	}
}
