package log_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/scriptrun/scriptrun/bridge"
	"github.com/scriptrun/scriptrun/bridge/log"
	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/engine/js"
	"github.com/scriptrun/scriptrun/engine/lua"
	"github.com/scriptrun/scriptrun/limits"
	"github.com/scriptrun/scriptrun/policy"
)

const allowLog = `
name: log
rules:
  - name: log
    allow: [log.*]
`

func run(t *testing.T, lang, code string, b limits.Budget) (*engine.Result, error) {
	t.Helper()
	h, err := engine.NewHost(engine.Config{Backends: []engine.Backend{js.New(), lua.New()},
		Modules: []*bridge.Module{log.Module()}})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	s, err := h.Compile(engine.Source{Lang: lang, Code: code})
	if err != nil {
		t.Fatal(err)
	}
	pol, err := policy.Parse("log.yaml", []byte(allowLog), policy.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return h.Run(context.Background(), s, engine.RunOptions{Policy: pol, Budget: b})
}

func TestLines(t *testing.T) {
	want := []engine.LogLine{
		{Level: "debug", Message: "d"},
		{Level: "info", Message: "order synced", Fields: map[string]any{"id": int64(7), "tags": []any{"a"}}},
		{Level: "warn", Message: "w\x1b[31m\n", Fields: map[string]any{"k\n": "v\x00"}},
		{Level: "error", Message: "e"},
		{Level: "info", Message: "console"},
	}
	for _, tc := range []struct{ lang, code string }{
		{"js", `host.log.debug("d"); host.log.info("order synced", {id: 7, tags: ["a"]});
			host.log.warn("w\x1b[31m\n", {"k\n": "v\0"}); host.log.error("e", {}); console.log("console"); return 1`},
		{"lua", `host.log.debug("d"); host.log.info("order synced", {id = 7, tags = {"a"}})
			host.log.warn("w\27[31m\n", {["k\n"] = "v\0"}); host.log.error("e", nil); print("console") return 1`},
	} {
		res, err := run(t, tc.lang, tc.code, limits.Budget{})
		if err != nil {
			t.Fatalf("%s: %v", tc.lang, err)
		}
		w := want
		if diff := cmp.Diff(w, res.Logs); diff != "" {
			t.Errorf("%s: logs (-want +got):\n%s", tc.lang, diff)
		}
		var n int64
		for _, l := range w {
			n += int64(len(l.Message)) + 1
			if l.Fields != nil {
				n += bridge.Size(l.Fields)
			}
		}
		if res.Usage.LogBytes != n {
			t.Errorf("%s: logBytes %d, want %d", tc.lang, res.Usage.LogBytes, n)
		}
	}
}

func TestBounds(t *testing.T) {
	deep := "{a: {b: {c: {d: {e: 1}}}}}"
	many := "{" + strings.Repeat("x", 0)
	for i := 0; i < 33; i++ {
		many += fmt.Sprintf("k%d: 1, ", i)
	}
	many += "}"
	for _, tc := range []struct{ code, want string }{
		{`host.log.info("x".repeat(4097))`, "message is 4097 bytes, limit 4096"},
		{`host.log.info("x", ` + many + `)`, "fields has 33 entries, limit 32"},
		{`host.log.info("x", ` + deep + `)`, "fields nested 5 levels deep, limit 4"},
		{`host.log.info("x", {a: "y".repeat(5000)})`, "limit 4096"},
	} {
		res, err := run(t, "js", `try { `+tc.code+` } catch (e) { return e.message }`, limits.Budget{})
		if err != nil {
			t.Fatalf("%s: %v", tc.code, err)
		}
		if s, _ := res.Value.(string); !strings.Contains(s, tc.want) || len(res.Logs) != 0 {
			t.Errorf("%.40s: caught %q, %d lines; want %q and nothing logged", tc.code, res.Value, len(res.Logs), tc.want)
		}
	}
}

func TestBudget(t *testing.T) {
	// The logs budget is shared with console.log, and the line over it is
	// not written.
	res, err := run(t, "js", `console.log("x".repeat(50)); for (;;) host.log.info("y".repeat(100))`,
		limits.Budget{Logs: 500, HostCalls: 1000})
	var e *engine.Error
	if !errors.As(err, &e) || e.Kind != engine.KindLimit || e.Limit != limits.Logs {
		t.Fatalf("err %v, want the logs limit", err)
	}
	if len(res.Logs) != 5 || res.Usage.LogBytes > 500 {
		t.Errorf("%d lines, %d bytes; want console + 4 lines of 101 bytes, at most 500", len(res.Logs), res.Usage.LogBytes)
	}
}

func TestNeedsPolicy(t *testing.T) {
	h, err := engine.NewHost(engine.Config{Backends: []engine.Backend{js.New()}, Modules: []*bridge.Module{log.Module()}})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	s, _ := h.Compile(engine.Source{Lang: "js", Code: `host.log.info("x")`})
	_, err = h.Run(context.Background(), s, engine.RunOptions{})
	var e *engine.Error
	if !errors.As(err, &e) || e.Kind != engine.KindDenied || e.Capability != "log.info" {
		t.Errorf("err %v, want log.info denied", err)
	}
}
