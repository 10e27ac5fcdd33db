package hostile_test

import (
	"strings"
	"testing"
	"time"
)

// TestParseExpect checks the ### grammar of the case headers.
func TestParseExpect(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`limit "steps"`, `limit "steps"`},
		{`limit "steps"|"timeout"|"cpu"`, `limit "steps"|"timeout"|"cpu"`},
		{`runtime | limit "memory"`, `runtime | limit "memory"`},
		{`denied "kv.get" | ok "a|b"`, `denied "kv.get" | ok "a|b"`},
		{`ok [1,2]`, `ok [1,2]`},
		{`compile`, `compile`},
		{`internal`, `error`},
		{`ok [1,`, `error`},
		{`"steps"`, `error`},
		{``, `error`},
	} {
		got := "error"
		if out, err := parseExpect(tc.in); err == nil {
			got = describeExpect(out)
		}
		if got != tc.want {
			t.Errorf("parseExpect(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

// TestJudge checks that every check of a case can fail.
func TestJudge(t *testing.T) {
	c := &hostileCase{bound: 3 * time.Second}
	var err error
	if c.expect, err = parseExpect(`limit "memory"|"steps" | ok 2`); err != nil {
		t.Fatal(err)
	}
	healthy := &report{Phase: "after"}
	died := func() string { return "died (exit status 2): fatal error: out of memory" }
	for _, tc := range []struct {
		name       string
		run, after *report
		ok         bool
		want       string // in what
	}{
		{"steps", &report{Kind: "limit", Limit: "steps", WallMs: 100}, healthy, true, `limit "steps"`},
		{"ok value", &report{Value: []byte("2")}, healthy, true, "ok 2"},
		{"wrong value", &report{Value: []byte("3")}, healthy, false, "ok 3"},
		{"wrong limit", &report{Kind: "limit", Limit: "timeout"}, healthy, false, `limit "timeout"`},
		{"go text", &report{Kind: "limit", Limit: "steps", Message: "x.lua:3: registry overflow"}, healthy, false, "Go internals"},
		{"internal", &report{Kind: "internal", Message: "panic"}, healthy, false, "internal"},
		{"heap ceiling", &report{Kind: "limit", Limit: "memory", Ceiling: true}, healthy, false, "heap ceiling"},
		{"over the bound", &report{Kind: "limit", Limit: "steps", WallMs: 3500}, healthy, false, "over the bound"},
		{"crash", nil, nil, false, "fatal error: out of memory before the run ended"},
		{"crash after", &report{Kind: "limit", Limit: "steps"}, nil, false, "in the health check"},
		{"trivial", &report{Kind: "limit", Limit: "steps"}, &report{Trivial: "`return 1+1` failed: limit"}, false, "`return 1+1` failed"},
		{"left running", &report{Kind: "limit", Limit: "steps"}, &report{IdleCPUMs: 290}, false, "work left running"},
	} {
		v := judge(c, tc.run, tc.after, died)
		if v.ok != tc.ok || !strings.Contains(v.what, tc.want) {
			t.Errorf("%s: judge = ok %v %q, want ok %v and %q", tc.name, v.ok, v.what, tc.ok, tc.want)
		}
	}
}
