package suite

import (
	"github.com/scriptrun/scriptrun/loc"
	"reflect"
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
	if got := loc.Printable(in); got != want {
		t.Errorf("loc.Printable(%q) = %q, want %q", in, got, want)
	}
}

// TestCodeGroups: the lines of a multi-line expression belong to the line
// it began on; lines of a block nested in it (a function body) do not.
func TestCodeGroups(t *testing.T) {
	for _, tt := range []struct {
		lang, src string
		want      map[int]int
	}{
		{"js", "return {\n  a: 1,\n  b: f(\n    2),\n};\nx = [1,\n 2];\n", map[int]int{2: 1, 3: 1, 4: 1, 7: 6}},
		{"js", "arr.map(function (x) {\n  return x;\n}, {\n  k: 1,\n});\nif (a) {\n  b();\n}\n", map[int]int{4: 1}},
		{"js", "f(x => {\n  g();\n});\nlet o = {a: 1,\n  b: 2};\n", map[int]int{5: 4}},
		{"lua", "local t = {\n  a = 1,\n  b = f(2),\n}\npcall(function()\n  while true do\n    n = n + 1\n  end\nend)\n", map[int]int{2: 1, 3: 1}},
	} {
		_, got := codeGroups(tt.lang, tt.src)
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("codeGroups(%s, %q) = %v, want %v", tt.lang, tt.src, got, tt.want)
		}
	}
}
