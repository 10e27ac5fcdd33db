package parser

import (
	"strings"
	"testing"
)

func TestMaxDepth(t *testing.T) {
	nested := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	for _, c := range []struct {
		src   string
		opts  []Option
		error bool
	}{
		{nested(DefaultMaxDepth - 5), nil, false},
		{nested(DefaultMaxDepth + 1), nil, true},
		{strings.Repeat("[", 1000000), nil, true},
		{nested(20), []Option{WithMaxDepth(10)}, true},
		{nested(9), []Option{WithMaxDepth(10)}, false},
		{nested(5000), []Option{WithMaxDepth(-1)}, false},
	} {
		_, err := ParseFile(nil, "", c.src, 0, c.opts...)
		if got := err != nil && strings.Contains(err.Error(), "Nesting too deep"); got != c.error {
			t.Errorf("%.20s... (%d bytes): error %v, want a nesting error: %v", c.src, len(c.src), err, c.error)
		}
	}
	// ParseFunction reports it too.
	if _, err := ParseFunction("", strings.Repeat("{", 2000)); err == nil || !strings.Contains(err.Error(), "Nesting too deep") {
		t.Errorf("ParseFunction: %v", err)
	}
}
