package goja

import (
	"runtime/debug"
	"strings"
	"testing"
)

// Each of these recurses in Go without JavaScript frames; unbounded, they
// overflow the goroutine stack (a fatal error).
var nativeRecursion = []string{
	`Array.prototype.join = Array.prototype.toString; String([])`,
	`var o = {}; o.toString = String.prototype.trim; String(o)`,
	`var o = {}; o.valueOf = Number.prototype.toFixed; o.toString = null; +o`,
	`var o = {}; o[Symbol.toPrimitive] = String.prototype.padStart; '' + o`,
	`var o = {}; Object.defineProperty(o, 'x', {get: Reflect.get.bind(null, Object.prototype, 'x', o)}); Object.defineProperty(Object.prototype, 'x', {get: Reflect.get.bind(null, o, 'x')}); o.x`,
	`var a = []; for (var i = 0; i < 20000; i++) a = [a]; JSON.stringify(a)`,
	`var o = {}; for (var i = 0; i < 20000; i++) o = {o: o}; JSON.stringify(o)`,
	`JSON.parse('['.repeat(20000) + ']'.repeat(20000))`,
	`JSON.parse('{"a":'.repeat(20000) + '1' + '}'.repeat(20000))`,
	`JSON.parse('[1, 2]', function(k, v) { if (k === '0') { var a = []; for (var i = 0; i < 20000; i++) a = [a]; this[1] = a } return v })`,
	`var a = []; for (var i = 0; i < 20000; i++) a = [a]; a.flat(Infinity)`,
	`var a = []; for (var i = 0; i < 20000; i++) a = [a]; String(a)`,
	`var a = []; for (var i = 0; i < 20000; i++) a = [a]; a.join()`,
	`var a = []; for (var i = 0; i < 20000; i++) a = [a]; a.toLocaleString()`,
	`var p = {}; for (var i = 0; i < 20000; i++) p = new Proxy(p, {}); p.x`,
	`var h = {}; for (var i = 0; i < 20000; i++) h = new Proxy({}, h); new Proxy({}, h).x`,
	`var f = function(){}; for (var i = 0; i < 20000; i++) f = f.bind(null); f()`,
	`var f = function(){}; for (var i = 0; i < 20000; i++) f = f.bind(null); ({}) instanceof f`,
	`var f = function(){}; for (var i = 0; i < 20000; i++) f = Function.prototype.call.bind(f); f()`,
}

func TestNativeRecursionIsARangeError(t *testing.T) {
	// At depth 1000, each route stays inside a 16 MiB stack (Go allows 1 GB).
	defer debug.SetMaxStack(debug.SetMaxStack(16 << 20))
	for _, src := range nativeRecursion {
		t.Run(src[:min(len(src), 60)], func(t *testing.T) {
			r := New()
			r.SetMaxNativeDepth(1000)
			v, err := r.RunString(`(function(){ try { ` + src + ` } catch (e) { return e instanceof RangeError ? 'RangeError: ' + e.message : 'other: ' + e } return 'no error' })()`)
			if err != nil {
				t.Fatal(err)
			}
			// (Through Number.prototype.toFixed the RangeError ends up
			// inside the message of a TypeError.)
			if got := v.String(); !strings.Contains(got, "RangeError: Maximum call stack size exceeded") {
				t.Fatalf("got %.200q, want the stack size RangeError", got)
			}
			// The counter is back to zero afterwards.
			if r.guards.depth != 0 {
				t.Fatalf("depth %d after the script", r.guards.depth)
			}
		})
	}
}

func TestNativeDepthSetting(t *testing.T) {
	r := New()
	r.SetMaxNativeDepth(50)
	deep := func(n int) string {
		return `JSON.stringify(JSON.parse('` + strings.Repeat("[", n) + strings.Repeat("]", n) + `'))`
	}
	if v, err := r.RunString(deep(40)); err != nil || len(v.String()) != 80 {
		t.Fatalf("40 deep with a limit of 50: %v %v", v, err)
	}
	if _, err := r.RunString(deep(60)); err == nil || !strings.Contains(err.Error(), "Maximum call stack size exceeded") {
		t.Fatalf("60 deep with a limit of 50: %v", err)
	}
	// Built-ins called from JavaScript push frames and are not counted;
	// built-ins called by built-ins are.
	if _, err := r.RunString(`var s = 0; for (var i = 0; i < 1000; i++) s += [1, [2, [3]]].toString().length; s`); err != nil {
		t.Fatal(err)
	}
	r.SetMaxNativeDepth(0)
	if v, err := r.RunString(deep(9000)); err != nil || len(v.String()) != 18000 {
		t.Fatalf("9000 deep with the default limit: %v", err)
	}
	if r.guards.depth != 0 {
		t.Fatalf("depth %d after the scripts", r.guards.depth)
	}
}

func TestNativeDepthDefaultFitsTheStack(t *testing.T) {
	defer debug.SetMaxStack(debug.SetMaxStack(128 << 20))
	for _, src := range []string{
		`Array.prototype.join = Array.prototype.toString; String([])`,
		`var a = []; for (var i = 0; i < 20000; i++) a = [a]; JSON.stringify(a)`,
		`var a = []; for (var i = 0; i < 20000; i++) a = [a]; String(a)`,
	} {
		v, err := New().RunString(`(function(){ try { ` + src + ` } catch (e) { return String(e) } })()`)
		if err != nil || v.String() != "RangeError: Maximum call stack size exceeded" {
			t.Errorf("%s: %v %v", src, v, err)
		}
	}
}
