package lua_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/limits"
)

// TestStdPristineOnSameHost: a run that tampers with std and script leaves
// nothing for the next run on the same host.
func TestStdPristineOnSameHost(t *testing.T) {
	h := newHost(t)
	id := engine.Identity{Tenant: "acme", Labels: map[string]string{"plan": "pro"}}
	tamper := `
		std.base64.encode = function() return "tampered" end
		std.url = nil
		rawset(script, "tenant", "evil")
		script = {tenant = "evil"}
		return script.tenant`
	res, err := run(t, h, tamper, engine.RunOptions{Identity: id})
	if err != nil || res.Value != "evil" {
		t.Fatalf("tamper run = %v, %v", res.Value, err)
	}
	check := `return {std.base64.encode("hi"), std.url.parse("https://a.example/?x=1").query.x, script.tenant, script.labels.plan}`
	res, err = run(t, h, check, engine.RunOptions{Identity: id})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]any{"aGk=", "1", "acme", "pro"}, res.Value); diff != "" {
		t.Errorf("second run (-want +got):\n%s", diff)
	}
}

// TestStdMetered: std charges a step per 64 bytes of input and the memory
// of its results; a budget the work does not fit in stops it.
func TestStdMetered(t *testing.T) {
	h := newHost(t)
	usage := func(src string) limits.Usage {
		t.Helper()
		res, err := run(t, h, src, engine.RunOptions{})
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		return res.Usage
	}
	const n = 4 << 20
	base := usage(`local s = string.rep("QUJD", 1024 * 1024) return #s`)
	for _, src := range []string{
		`local s = string.rep("QUJD", 1024 * 1024) return #std.base64.decode(s)`,
		`local s = string.rep("QUJD", 1024 * 1024) return #std.base64.encode(s)`,
		`local s = string.rep("QUJD", 1024 * 1024) return #std.hex.encode(s)`,
		`local s = string.rep("QUJD", 1024 * 1024) return std.utf8.len(s)`,
	} {
		u := usage(src)
		if u.Steps-base.Steps < n/64 {
			t.Errorf("%s: %d steps over the baseline, want at least %d", src, u.Steps-base.Steps, n/64)
		}
	}
	u := usage(`local s = string.rep("QUJD", 1024 * 1024) return #std.hex.encode(s)`)
	if u.MemoryBytes-base.MemoryBytes < 2*n {
		t.Errorf("hex.encode charged %d bytes over the baseline, want at least %d", u.MemoryBytes-base.MemoryBytes, 2*n)
	}
	_, err := run(t, h, `local s = string.rep("QUJD", 4 * 1024 * 1024) return #std.hex.encode(s)`, engine.RunOptions{Budget: limits.Budget{Memory: 24 << 20}})
	if got := kindOf(err); got != "limit:memory" {
		t.Errorf("hex.encode over the memory budget: %v, want the memory limit", err)
	}
	// The string is made within the budget; measuring it is not.
	_, err = run(t, h, `local s = string.rep("QUJD", 1024 * 1024) return std.utf8.len(s)`, engine.RunOptions{Budget: limits.Budget{Steps: base.Steps + 1000}})
	if got := kindOf(err); got != "limit:steps" {
		t.Errorf("utf8.len over the step budget: %v, want the steps limit", err)
	}
}
