package test262

import (
	"testing"

	"github.com/scriptrun/scriptrun/engine"
)

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

func TestHostJudge(t *testing.T) {
	neg := func(phase, typ string) *meta {
		m := &meta{}
		m.Negative.Phase, m.Negative.Type = phase, typ
		return m
	}
	runtimeErr := func(msg string) error { return &engine.Error{Kind: engine.KindRuntime, Message: msg} }
	compileErr := &engine.Error{Kind: engine.KindCompile, Message: "Unexpected token"}
	for _, tc := range []struct {
		name  string
		err   error
		early bool
		m     *meta
		logs  []string
		pass  bool
		kind  string
		skip  bool
	}{
		{"positive ok", nil, false, &meta{}, nil, true, "", false},
		{"positive threw", runtimeErr("uncaught TypeError: x"), false, &meta{}, nil, false, "runtime", false},
		{"parse error expected, compile failed", compileErr, true, neg("parse", "SyntaxError"), nil, true, "", false},
		{"parse error expected, ran and threw", runtimeErr("uncaught Test262: This statement should not be evaluated."), false, neg("parse", "SyntaxError"), nil, false, "accepted", false},
		{"parse error expected, ran clean", nil, false, neg("parse", "SyntaxError"), nil, false, "accepted", false},
		{"runtime error expected and thrown", runtimeErr("uncaught TypeError: x"), false, neg("runtime", "TypeError"), nil, true, "", false},
		{"runtime error of another type", runtimeErr("uncaught RangeError: x"), false, neg("runtime", "TypeError"), nil, false, "runtime", false},
		{"runtime error expected, none", nil, false, neg("runtime", "TypeError"), nil, false, "none", false},
		{"runtime error expected at compile", compileErr, true, neg("runtime", "TypeError"), nil, false, "compile", false},
		{"Test262Error shown as object", runtimeErr("uncaught [object Object]"), false, neg("runtime", "Test262Error"), []string{errorMarker + "x"}, true, "", false},
		{"an object that is no Test262Error", runtimeErr("uncaught [object Object]"), false, neg("runtime", "Test262Error"), nil, false, "runtime", false},
		{"ignorable", runtimeErr("uncaught Error: " + ignorableMarker), false, &meta{}, nil, false, "", true},
		{"async complete", nil, false, &meta{Flags: []string{"async"}}, []string{"Test262:AsyncTestComplete"}, true, "", false},
		{"async failure", nil, false, &meta{Flags: []string{"async"}}, []string{"Test262:AsyncTestComplete", "Test262:AsyncTestFailure:Test262Error: x"}, false, "js", false},
		{"async never done", nil, false, &meta{Flags: []string{"async"}}, nil, false, "js", false},
	} {
		got := hostJudge(tc.err, tc.early, tc.m, tc.logs)
		if got.Pass != tc.pass || got.Kind != tc.kind || got.Skip != tc.skip {
			t.Errorf("%s: got pass=%v kind=%q skip=%v (%s), want pass=%v kind=%q skip=%v",
				tc.name, got.Pass, got.Kind, got.Skip, got.Err, tc.pass, tc.kind, tc.skip)
		}
	}
}

func TestMirror(t *testing.T) {
	for _, tc := range []struct {
		code          string
		plain, locked bool // passes without / with the lockdown
	}{
		{"return 1;", true, true},
		{`var x = 1; if (globalThis.x !== 1) throw new Error("no global binding");`, false, false},
		{`"use strict"; if ((function () { return this; })() !== undefined) throw new Error("sloppy");`, true, true},
		{`if (eval("1 + 1") !== 2) throw new Error("eval");`, true, false},
		{`if (typeof Function.prototype.call !== "function") throw new Error("call");`, true, false},
		{stubSrc + `if (typeof Function.prototype.call !== "function") throw new Error("call");`, true, true},
		{stubSrc + `Function("return 1");`, false, false},
	} {
		if got := runMirror(tc.code, &meta{}, false); got.Pass != tc.plain {
			t.Errorf("runMirror(%q) passes: %v (%s), want %v", tc.code, got.Pass, got.Err, tc.plain)
		}
		if got := runMirror(tc.code, &meta{}, true); got.Pass != tc.locked {
			t.Errorf("runMirror(%q, locked) passes: %v (%s), want %v", tc.code, got.Pass, got.Err, tc.locked)
		}
	}
}
