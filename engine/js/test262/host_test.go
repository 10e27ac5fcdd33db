package test262

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/scriptrun/scriptrun/engine"
	"github.com/scriptrun/scriptrun/limits"
)

// budget is generous so that budgets do not decide outcomes: what a test
// needs is what upstream gives it (StackDepth is the host's maximum).
var budget = limits.Budget{
	Steps:      1 << 40,
	Memory:     4 << 30,
	Timeout:    2 * time.Minute,
	CPU:        2 * time.Minute,
	HostCalls:  1,
	Output:     1 << 20,
	Logs:       64 << 20,
	StackDepth: limits.MaxStackDepth,
	Source:     16 << 20,
	Input:      1 << 10,
}

// The markers the prelude leaves, read back from the run's error or logs.
const (
	ignorableMarker  = "Test262:IgnorableTestError"
	hookMarker       = "Test262:HostHook:"
	strictLostMarker = "Test262:StrictModeLost"
	errorMarker      = "Test262:Error:"
)

// prelude gives the harness what a test262 host provides: print (the
// async harness reports through it; here it goes to the run's log),
// $262 (createRealm makes the test ignorable, as in goja's runner;
// detachArrayBuffer and evalScript need Go hooks a script cannot have) and
// goja's runner's SharedArrayBuffer stub.
const prelude = `var print = function () { console.log.apply(console, arguments); };
var IgnorableTestError = new Error("` + ignorableMarker + `");
var $262 = {
	createRealm: function () { throw IgnorableTestError; },
	detachArrayBuffer: function () { console.log("` + hookMarker + `detachArrayBuffer"); throw new TypeError("` + hookMarker + `detachArrayBuffer"); },
	evalScript: function () { console.log("` + hookMarker + `evalScript"); throw new TypeError("` + hookMarker + `evalScript"); }
};
Object.defineProperty(globalThis, "SharedArrayBuffer", { get: function () { throw IgnorableTestError; } });
`

// strictProbe, right after the prelude of a strict variant, logs when the
// script's body is not strict although its first statement is "use strict".
const strictProbe = `if ((function () { return this; })() !== undefined) { console.log("` + strictLostMarker + `"); }
`

// stubSrc puts back the Function and eval bindings the host deletes, as
// functions that refuse to generate code: with Function.prototype as
// Function's prototype property, Function.prototype.call and instanceof
// Function work again. It is used to tell tests that only name these
// bindings from tests that generate code (see categorise).
const stubSrc = `(function (g) {
	var refuse = function () { throw new TypeError("code generation from strings is not allowed"); };
	var F = function Function(p) { refuse(); };
	Object.defineProperty(F, "prototype", { value: Object.getPrototypeOf(function () {}), writable: false, enumerable: false, configurable: false });
	var E = ({ eval(x) { refuse(); } }).eval;
	Object.defineProperty(g, "Function", { value: F, writable: true, enumerable: false, configurable: true });
	Object.defineProperty(g, "eval", { value: E, writable: true, enumerable: false, configurable: true });
})(globalThis);
`

// staTracer makes every Test262Error log its message, so that a failure
// the host reports as "uncaught [object Object]" (it does not run script
// code to describe a thrown value) can be shown with its message.
var staTracer = strings.NewReplacer(`  this.message = message || "";`,
	`  this.message = message || ""; console.log("`+errorMarker+`" + this.message);`)

// substitutes replace harness files that reach the global object through
// the Function constructor with ones that use globalThis: the include's
// purpose is the global object, not code generation.
var substitutes = map[string]string{
	"fnGlobalObject.js": "var __globalObject = globalThis;\nfunction fnGlobalObject() { return __globalObject; }\n",
}

// hostSource is one variant as the single script the host runs: a strict
// variant (or a test whose own directive prologue is strict) starts with
// "use strict", since only the first statement of the body can make it
// strict; then the prelude, the harness and the test.
func hostSource(h *harness, src string, m *meta, strict, stub bool) (string, error) {
	var b strings.Builder
	strict = strict || leadingUseStrict(src)
	if strict {
		b.WriteString("\"use strict\";\n")
	}
	b.WriteString(prelude)
	if stub {
		b.WriteString(stubSrc)
	}
	if strict {
		b.WriteString(strictProbe)
	}
	includes := []string{"assert.js", "sta.js"}
	if m.hasFlag("async") {
		includes = append(includes, "doneprintHandle.js")
	}
	for _, inc := range append(includes, m.Includes...) {
		s, ok := substitutes[inc]
		if !ok {
			var err error
			if s, err = h.source(inc); err != nil {
				return "", err
			}
		}
		if inc == "sta.js" {
			s = staTracer.Replace(s)
		}
		b.WriteString(s)
		b.WriteString("\n")
	}
	b.WriteString(src)
	return b.String(), nil
}

// leadingUseStrict reports whether src's directive prologue holds
// "use strict" (comments and other directives may come first).
func leadingUseStrict(src string) bool {
	s := src
	for {
		s = strings.TrimLeft(s, " \t\r\n\ufeff")
		switch {
		case strings.HasPrefix(s, "//"):
			i := strings.IndexByte(s, '\n')
			if i < 0 {
				return false
			}
			s = s[i:]
		case strings.HasPrefix(s, "/*"):
			i := strings.Index(s, "*/")
			if i < 0 {
				return false
			}
			s = s[i+2:]
		case strings.HasPrefix(s, `"`) || strings.HasPrefix(s, `'`):
			q := s[0]
			i := strings.IndexByte(s[1:], q)
			if i < 0 {
				return false
			}
			lit := s[1 : i+1]
			if lit == "use strict" {
				return true
			}
			if strings.ContainsAny(lit, "\\\n") {
				return false
			}
			s = strings.TrimLeft(s[i+2:], " \t")
			if !strings.HasPrefix(s, ";") && !strings.HasPrefix(s, "\n") && !strings.HasPrefix(s, "\r") {
				return false
			}
			s = s[1:]
		default:
			return false
		}
	}
}

// runHost compiles and runs one variant through the host.
func runHost(host *engine.Host, code string, m *meta) outcome {
	s, err := host.Compile(engine.Source{Name: "test.js", Lang: "js", Code: code})
	if err != nil {
		return hostJudge(err, true, m, nil)
	}
	res, err := host.Run(context.Background(), s, engine.RunOptions{Budget: budget, Seed: 1})
	var logs []string
	if res != nil {
		for _, l := range res.Logs {
			logs = append(logs, l.Message)
		}
	}
	o := hostJudge(err, false, m, logs)
	o.Logs = logs
	annotate(&o)
	return o
}

// lastTest262Error reports whether the harness made a Test262Error.
func lastTest262Error(logs []string) bool {
	for _, l := range logs {
		if strings.HasPrefix(l, errorMarker) {
			return true
		}
	}
	return false
}

// annotate adds the last Test262Error message to a failure the host
// reports as "uncaught [object Object]".
func annotate(o *outcome) {
	if o.Pass || !strings.Contains(o.Err, "[object Object]") {
		return
	}
	for i := len(o.Logs) - 1; i >= 0; i-- {
		if msg, ok := strings.CutPrefix(o.Logs[i], errorMarker); ok {
			o.Err += " (the last Test262Error made: " + msg + ")"
			return
		}
	}
}

// hostJudge decides a host run. The host reports an uncaught error as a
// runtime error whose message is "uncaught " and the thrown value (an
// Error object by its name and message); a parse or early error as a
// compile error (of any type: the host does not say which).
func hostJudge(err error, early bool, m *meta, logs []string) outcome {
	var e *engine.Error
	if err != nil && !errors.As(err, &e) {
		return fail("go", "not an *engine.Error: %v", err)
	}
	if e != nil && strings.Contains(e.Message, ignorableMarker) {
		return outcome{Skip: true, Err: "IgnorableTestError"}
	}
	neg := m.Negative
	if e != nil {
		o := fail(string(e.Kind), "%s", e.Error())
		if neg.Type == "" {
			return o
		}
		if !early && (neg.Phase == "parse" || neg.Phase == "early") {
			return fail("accepted", "expected %s at parse time, compiled; then %s", neg.Type, e.Error())
		}
		if early != (neg.Phase == "parse" || neg.Phase == "early") {
			o.Err = "wrong phase (expected " + neg.Phase + "): " + o.Err
			return o
		}
		if early {
			if e.Kind != engine.KindCompile {
				return o
			}
			return outcome{Pass: true}
		}
		if e.Kind == engine.KindRuntime && e.Message == "uncaught [object Object]" && neg.Type == "Test262Error" && lastTest262Error(logs) {
			// The host shows a thrown non-Error object as [object Object];
			// the harness logged the Test262Error it made.
			return outcome{Pass: true}
		}
		if e.Kind != engine.KindRuntime || !strings.HasPrefix(e.Message, "uncaught "+neg.Type) {
			o.Err = "expected " + neg.Type + ": " + o.Err
			return o
		}
		return outcome{Pass: true}
	}
	if neg.Type != "" {
		if neg.Phase == "parse" || neg.Phase == "early" {
			return fail("accepted", "expected %s at parse time, compiled and ran", neg.Type)
		}
		return fail("none", "expected %s (%s phase), got none", neg.Type, neg.Phase)
	}
	if m.hasFlag("async") {
		return asyncOutcome(logs)
	}
	return outcome{Pass: true}
}
