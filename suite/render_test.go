package suite

import (
	"strings"
	"testing"
)

// TestRender: a value in a failure line is compact JSON cut at maxRender
// bytes (never inside a UTF-8 sequence), whatever its size.
func TestRender(t *testing.T) {
	for _, tt := range []struct {
		v    any
		want string
	}{
		{map[string]any{"b": 1, "a": []any{"x", nil, true, 1.5}}, `{"a":["x",null,true,1.5],"b":1}`},
		{"<&>", `"<&>"`},
		{strings.Repeat("é", 1<<20), `"` + strings.Repeat("é", (maxRender-1)/2) + `... (2097154 bytes)`},
	} {
		if got := render(tt.v); got != tt.want {
			t.Errorf("render(%.40v) = %.80q..., want %.80q...", tt.v, got, tt.want)
		}
	}
}

func TestSafe(t *testing.T) {
	in := "a\nb\x1b[2J\a\u202e\u009b\xff ok é"
	want := `a\nb\x1b[2J\a\u202e\u009b\xff ok é`
	if got := safe(in); got != want {
		t.Errorf("safe(%q) = %q, want %q", in, got, want)
	}
}
