package lockdown_test

import (
	"testing"

	upstream "github.com/dop251/goja"

	"github.com/scriptrun/scriptrun/engine/js/internal/lockdown"
	patched "github.com/scriptrun/scriptrun/third_party/goja"
)

// probe describes what a script can see of eval and the function
// constructors: their shape, where they are reachable from, and what
// calling or constructing them does.
const probe = `(function() {
	var AsyncFunction = Object.getPrototypeOf(async function(){}).constructor;
	var GeneratorFunction = Object.getPrototypeOf(function*(){}).constructor;
	var desc = function(o, k) {
		var d = Object.getOwnPropertyDescriptor(o, k);
		return d ? [typeof d.value, d.writable, d.enumerable, d.configurable].join("/") : "none";
	};
	var attempt = function(f) {
		try { f(); return "ran"; } catch (e) { return e.name + ": " + e.message; }
	};
	var out = [];
	[["Function", Function], ["AsyncFunction", AsyncFunction], ["GeneratorFunction", GeneratorFunction]].forEach(function(p) {
		var name = p[0], F = p[1];
		out.push(name, typeof F, F.name, F.length, desc(F, "prototype"), desc(F.prototype, "constructor"),
			F.prototype.constructor === F, Object.getPrototypeOf(F) === Function.prototype || name,
			attempt(function() { F("return 1"); }), attempt(function() { new F("return 1"); }),
			attempt(function() { Reflect.construct(F, ["return 1"]); }));
	});
	out.push(typeof eval, eval.name, eval.length, desc(globalThis, "eval"), desc(globalThis, "Function"),
		eval.hasOwnProperty("prototype"), attempt(function() { new eval("1"); }),
		attempt(function() { eval("1"); }), attempt(function() { (0, eval)(1); }), attempt(function() { eval(); }),
		(function(){}).constructor === Function, typeof Function.prototype.call.bind(Function.prototype.toString));
	return out.join("\n");
})()`

// The JavaScript lockdown (what the test262 mirror runs on raw goja) and the
// patched goja's native refusal (what the host runs) look the same to a
// script.
func TestSourceMatchesNativeRefusal(t *testing.T) {
	up := upstream.New()
	if _, err := up.RunString(lockdown.Source + "(this)"); err != nil {
		t.Fatal(err)
	}
	want, err := up.RunString(probe)
	if err != nil {
		t.Fatal(err)
	}
	pa := patched.New()
	pa.AllowCodeGenerationFromStrings(false)
	got, err := pa.RunString(probe)
	if err != nil {
		t.Fatal(err)
	}
	if got.String() != want.String() {
		t.Errorf("native refusal:\n%s\n\nlockdown source:\n%s", got, want)
	}
}
