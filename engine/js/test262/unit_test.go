package test262

import "testing"

// These run in every `go test ./...`: the parts of the comparison that do
// not need a test262 checkout.

func TestLeadingUseStrict(t *testing.T) {
	for _, tc := range []struct {
		src  string
		want bool
	}{
		{`"use strict"; x`, true},
		{"// c\n/*---\nflags: [raw]\n---*/\n'use strict'\nx", true},
		{`"a"; 'use strict';`, true},
		{`"use\x20strict";`, false},
		{`x; "use strict";`, false},
		{`("use strict");`, false},
		{`"a" + "use strict";`, false},
		{``, false},
	} {
		if got := leadingUseStrict(tc.src); got != tc.want {
			t.Errorf("leadingUseStrict(%q) = %v, want %v", tc.src, got, tc.want)
		}
	}
}

func TestExclusionsFromGojaRunner(t *testing.T) {
	x, err := loadExclusions(gojaRunner)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		want bool
	}{
		{"test/built-ins/RegExp/quantifier-integer-limit.js", true}, // skipList
		{"test/language/module-code/eval-this.js", true},            // skip prefix
		{"test/built-ins/Map/prototype/getOrInsert/length.js", true},
		{"test/language/statements/for/S12.6.3_A1.js", false},
	} {
		if got := x.skipped(tc.name); got != tc.want {
			t.Errorf("skipped(%s) = %v, want %v", tc.name, got, tc.want)
		}
	}
	for _, f := range []string{"Temporal", "async-iteration", "import-defer"} {
		if !x.features[f] {
			t.Errorf("feature %s is not excluded", f)
		}
	}
	if x.features["Proxy"] {
		t.Error("feature Proxy is excluded")
	}
}
