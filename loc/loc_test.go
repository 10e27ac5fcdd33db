package loc_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/scriptrun/scriptrun/loc"
)

// The renderings are a contract: the CLI's JSON ("pos", "stack"), error
// messages and policy issues print exactly these.
func TestPosString(t *testing.T) {
	tests := []struct {
		p    loc.Pos
		want string
	}{
		{loc.Pos{}, ""},
		{loc.Pos{File: "t.js"}, "t.js"},
		{loc.Pos{File: "t.lua", Line: 3}, "t.lua:3"},
		{loc.Pos{File: "t.js", Line: 2, Col: 9}, "t.js:2:9"},
		{loc.Pos{File: "dir/a b.yaml", Line: 10, Col: 1}, "dir/a b.yaml:10:1"},
		{loc.Pos{File: "t.js", Col: 4}, "t.js"}, // a column without a line says nothing
		{loc.Pos{Line: 3, Col: 4}, ":3:4"},      // a policy built in Go may have no file
	}
	for _, tt := range tests {
		if got := tt.p.String(); got != tt.want {
			t.Errorf("%#v.String() = %q, want %q", tt.p, got, tt.want)
		}
	}
}

func TestFrameString(t *testing.T) {
	tests := []struct {
		f    loc.Frame
		want string
	}{
		{loc.Frame{Func: "f", Pos: loc.Pos{File: "t.js", Line: 2, Col: 8}}, "f (t.js:2:8)"},
		{loc.Frame{Func: "<main>", Pos: loc.Pos{File: "t.lua", Line: 4}}, "<main> (t.lua:4)"},
		{loc.Frame{Func: "<anonymous>"}, "<anonymous>"},
		{loc.Frame{Tail: true}, "(tail call)"},
		{loc.Frame{Omitted: 7}, "... 7 more frames"},
	}
	for _, tt := range tests {
		if got := tt.f.String(); got != tt.want {
			t.Errorf("%#v.String() = %q, want %q", tt.f, got, tt.want)
		}
	}
}

func TestStrings(t *testing.T) {
	if got := loc.Strings(nil); got != nil {
		t.Errorf("Strings(nil) = %q, want nil", got)
	}
	got := loc.Strings([]loc.Frame{{Func: "g", Pos: loc.Pos{File: "t.lua", Line: 1}}, {Tail: true}})
	if diff := cmp.Diff([]string{"g (t.lua:1)", "(tail call)"}, got); diff != "" {
		t.Errorf("Strings (-want +got):\n%s", diff)
	}
}
