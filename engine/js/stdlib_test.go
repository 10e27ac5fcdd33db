package js_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/limits"
)

// TestStdPristineOnSameHost: a run that tampers with the library and the
// identity leaves nothing for the next run on the same host.
func TestStdPristineOnSameHost(t *testing.T) {
	h := newHost(t)
	labels := map[string]string{"plan": "pro"}
	opts := engine.RunOptions{Identity: engine.Identity{Tenant: "acme", Labels: labels}}
	tamper := `
		URL.prototype.toString = null; URLSearchParams.prototype.get = null
		TextDecoder.prototype.decode = () => "tampered"; globalThis.atob = () => "tampered"
		delete globalThis.btoa; Object.getPrototypeOf(globalThis).script = {tenant: "evil"}
		Object.setPrototypeOf(globalThis, null)
		return typeof btoa`
	res, err := run(t, h, tamper, opts)
	if err != nil || res.Value != "undefined" {
		t.Fatalf("tamper run = %v, %v", res.Value, err)
	}
	labels["plan"] = "changed after the run"
	check := `return [atob("aGk="), btoa("hi"), new TextDecoder().decode(new TextEncoder().encode("é")),
		new URL("https://a.example/?x=1").searchParams.get("x"), String(new URL("https://a.example")),
		script.tenant, script.labels.plan]`
	res, err = run(t, h, check, engine.RunOptions{Identity: engine.Identity{Tenant: "acme", Labels: map[string]string{"plan": "pro"}}})
	if err != nil {
		t.Fatal(err)
	}
	want := []any{"hi", "aGk=", "é", "1", "https://a.example/", "acme", "pro"}
	if diff := cmp.Diff(want, res.Value); diff != "" {
		t.Errorf("second run (-want +got):\n%s", diff)
	}
}

// TestStdMetered: the library's work is charged as steps (one per 64 code
// units) and its results as memory.
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
	base := usage(`const s = "QUJD".repeat(1 << 20); return s.length`)
	for _, src := range []string{
		`const s = "QUJD".repeat(1 << 20); return atob(s).length`,
		`const s = "QUJD".repeat(1 << 20); return btoa(s).length`,
		`const s = "QUJD".repeat(1 << 20); return new TextEncoder().encode(s).length`,
		`const s = "QUJD".repeat(1 << 20); const b = new TextEncoder().encode(s); return new TextDecoder().decode(b).length`,
	} {
		u := usage(src)
		if u.Steps-base.Steps < n/64 {
			t.Errorf("%s: %d steps over the baseline, want at least %d", src, u.Steps-base.Steps, n/64)
		}
		if u.MemoryBytes-base.MemoryBytes < n/2 {
			t.Errorf("%s: %d bytes of memory over the baseline, want at least %d", src, u.MemoryBytes-base.MemoryBytes, n/2)
		}
	}
	// A budget the work does not fit in stops it.
	_, err := run(t, h, `const s = "QUJD".repeat(1 << 22); return btoa(s).length`, engine.RunOptions{Budget: limits.Budget{Memory: 20 << 20}})
	if k, l := kindOf(err); k != engine.KindLimit || l != limits.Memory {
		t.Errorf("btoa over the memory budget: %v, want the memory limit", err)
	}
}
