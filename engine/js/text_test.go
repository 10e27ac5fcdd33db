package js_test

import (
	"strings"
	"testing"

	"github.com/scriptrun/scriptrun/engine"
)

// TestThrownLoneSurrogate: a thrown string or a value in a thrown object
// with a lone surrogate is described with the surrogate escaped, not
// replaced by U+FFFD.
func TestThrownLoneSurrogate(t *testing.T) {
	h := newHost(t)
	for src, want := range map[string]string{
		`throw "a\uD800b"`:                    `uncaught a\ud800b`,
		`throw {s: "x\uDC00", ok: "\u00e9😀"}`: `uncaught {"s":"x\\udc00","ok":"é😀"}`,
		`throw new Error("m\uD800")`:          `uncaught Error: m\ud800`,
	} {
		_, err := run(t, h, src, engine.RunOptions{})
		e, ok := err.(*engine.Error)
		if !ok || e.Message != want {
			t.Errorf("%s: got %v, want message %q", src, err, want)
		}
		if ok && strings.ContainsRune(e.Message, '\uFFFD') {
			t.Errorf("%s: message %q has U+FFFD", src, e.Message)
		}
	}
}
