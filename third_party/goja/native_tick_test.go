package goja

import (
	"errors"
	"fmt"
	"regexp"
	"testing"
)

// nativeLoopCases are built-in calls whose native loops run for a trip count
// the script chose (1e5 to 2**53-1 iterations), each after a setup
// that runs without a budget.
var nativeLoopCases = []struct{ setup, op string }{
	{``, `Array(2**32-1).lastIndexOf(1)`},
	{``, `Array(2**32-1).indexOf(1)`},
	{``, `Array(2**32-1).includes(1)`},
	{``, `Array(2**32-1).reverse()`},
	{``, `Array(2**32-1).join()`},
	{``, `Array(2**32-1).fill(0)`},
	{``, `Array(5e6).toReversed()`},
	{``, `Array(2**32-1).every(function() { return true })`},
	{``, `Array(2**32-1).findLast(function() { return false })`},
	{``, `Array(2**32-1).copyWithin(0, 1)`},
	{``, `var a = Array(2**32-1); a[0] = 1; a.reduceRight(function(x) { return x })`},
	{``, `Array.prototype.lastIndexOf.call({length: 2**53-1}, 1)`},
	{``, `Array.from({length: 2**32-1})`},
	{``, `[...Array(2**32-1).keys()]`},
	{``, `Array.from(Array(2**32-1).keys())`},
	{``, `new Set(Array(2**32-1).keys())`},
	{``, `new Map(Array(2**32-1).fill([1, 2]))`},
	{``, `Promise.all(Array(2**32-1).keys())`},
	{``, `Math.max.apply(null, {length: 5e6})`},
	{``, `Reflect.apply(Math.max, null, {length: 5e6})`},
	{``, `Reflect.construct(Array, {length: 5e6})`},
	{``, `String.raw({raw: {length: 2**32-1}})`},
	{`var s = "x".repeat(5e6)`, `Object.entries(s)`},
	{`var s = "x".repeat(5e6)`, `Object.keys(s)`},
	{`var s = "x".repeat(5e6)`, `Object.getOwnPropertyNames(s)`},
	{`var s = "x".repeat(5e6)`, `Object.getOwnPropertyDescriptors(s)`},
	{`var s = "x".repeat(5e6)`, `Object.assign({}, s)`},
	{`var s = "x".repeat(5e6)`, `s.split("")`},
	{`var s = "x".repeat(5e6)`, `s.split("x")`},
	{`var s = "\u1234".repeat(5e6)`, `s.split("\u1234")`},
	{`var s = "x".repeat(5e6)`, `s.replaceAll("x", "y")`},
	// Go's regexp (matched one match at a time) and backtracking (regexp2)
	// patterns.
	{`var s = "x".repeat(5e6)`, `s.replace(/x/g, "y")`},
	{`var s = "x".repeat(5e6)`, `s.match(/x/g)`},
	{`var s = "x".repeat(5e6)`, `s.split(/x/)`},
	{`var s = "x,".repeat(3e6)`, `s.replace(/[^,]*/g, () => "y")`},
	{`var s = "x".repeat(5e6)`, `s.replace(/(?<=x)x/g, "y")`},
	{`var s = "x".repeat(5e6)`, `s.match(/(?<=x)x/g)`},
	{`var s = "x".repeat(5e6)`, `s.split(/(?<=x)/)`},
	{`var s = "x".repeat(5e6)`, `[...s.matchAll(/x/g)]`},
	{`var s = "x".repeat(5e6)`, `encodeURIComponent(s)`},
	{`var s = "x".repeat(5e6)`, `escape(s)`},
	{`var s = "x".repeat(5e6)`, `JSON.stringify(s)`},
	{`var s = "[" + "1,".repeat(3e6) + "1]"`, `JSON.parse(s)`},
	{`var a = Array(5e6)`, `JSON.stringify(a)`},
	{``, `"ab".repeat(5e6)`},
	{``, `"".padStart(1e7, "ab")`},
	{``, `String.fromCharCode.apply(null, {length: 5e6})`},
	{`var t = new Uint8Array(5e6)`, `t.indexOf(1)`},
	{`var t = new Uint8Array(5e6)`, `t.join()`},
	{`var t = new Uint8Array(5e6)`, `t.map(function(x) { return x })`},
	{`var t = new Uint8Array(5e6)`, `Uint8Array.from({length: 5e6})`},
	{`var t = new Float64Array(5e6)`, `t.sort()`},
	{`var a = []; for (var i = 0; i < 1e5; i++) a.push(i % 7)`, `a.sort()`},
	{`var o = {}; for (var i = 0; i < 1e5; i++) o["k" + i] = i`, `Object.values(o)`},
	{`var o = {}; for (var i = 0; i < 1e5; i++) o["k" + i] = i`, `Object.freeze(o)`},
	{`var st = new Set(); for (var i = 0; i < 1e5; i++) st.add(i)`, `st.forEach(function() {})`},
}

func TestNativeLoopsStepBudget(t *testing.T) {
	const budget = 50000
	for _, c := range nativeLoopCases {
		t.Run(c.op, func(t *testing.T) {
			r := New()
			r.SetLimits(Limits{MaxArrayLen: -1, MaxArgs: -1}) // the loops, not the allocation caps
			if _, err := r.RunString(c.setup); err != nil {
				t.Fatalf("%s: %v", c.setup, err)
			}
			var charged int64
			r.SetStepMeter(budgetMeter(budget, 4096, &charged))
			_, err := r.RunString(c.op)
			if !errors.Is(err, errTestSteps) {
				t.Errorf("got %v, want the step budget's error", err)
			}
		})
	}
}

// TestNativeLoopsInterrupt: an Interrupt that arrives while a native loop
// runs stops it within a slice of steps. The interrupt comes from the step
// meter once the loop has run a while, so the test does not depend on
// timing.
func TestNativeLoopsInterrupt(t *testing.T) {
	const after = 50000
	for _, c := range nativeLoopCases {
		t.Run(c.op, func(t *testing.T) {
			r := New()
			r.SetLimits(Limits{MaxArrayLen: -1, MaxArgs: -1}) // the loops, not the allocation caps
			if _, err := r.RunString(c.setup); err != nil {
				t.Fatalf("%s: %v", c.setup, err)
			}
			var charged int64
			base := r.StepsUsed()
			r.SetStepMeter(func(used int64) (int64, error) {
				if charged += used; charged >= after {
					r.Interrupt("stop")
				}
				return 4096, nil
			})
			_, err := r.RunString(c.op)
			var ie *InterruptedError
			if !errors.As(err, &ie) || ie.Value() != "stop" {
				t.Fatalf("got %v, want the interrupt", err)
			}
			if got := r.StepsUsed() - base; got > after+4096+stepSlice {
				t.Errorf("stopped after %d steps, want at most %d", got, after+4096+stepSlice)
			}
		})
	}
}

// TestNativeLoopStepsDeterministic: native iterations are steps, counted the
// same way every time.
func TestNativeLoopStepsDeterministic(t *testing.T) {
	const setup = `var a = []; for (var i = 0; i < 1000; i++) a.push(i);`
	const src = setup + `a.indexOf(-1); a.map(String).join()`
	n, again := stepsOf(t, src), stepsOf(t, src)
	if n != again {
		t.Fatalf("steps %d then %d", n, again)
	}
	// The same instructions without the 3000 native iterations.
	if without := stepsOf(t, setup+`a.indexOf; a.map; String; a.join`); n < without+3000 {
		t.Fatalf("indexOf, map and join over 1000 elements took %d steps, want at least 3000 more than %d", n, without)
	}
}

// TestFindAllStepwise: matching one match at a time gives Go's FindAll
// matches for patterns without left-looking assertions, and those with one
// are recognised.
func TestFindAllStepwise(t *testing.T) {
	r := New()
	subjects := []string{"", "x", "xxx", "a,b,,c,", "héllo wörld 😀😀 x", "aaa bbb\nccc", "12 345 6789", "\xff\xfex"}
	for _, pat := range []string{`x`, `x*`, `(?:)`, `a|b`, `(a)(b)?`, `[^,]*`, `\d+`, `$`, `(?s).`, `(?m)$`, `(\w)(\w)?`, `o|ö|😀`, `,`, `\s*`} {
		re := regexp.MustCompile(pat)
		if needsLeftContext(re) {
			t.Errorf("%s: reported as looking left", pat)
		}
		for _, s := range subjects {
			for _, n := range []int{-1, 0, 1, 2, 5} {
				want := re.FindAllStringSubmatchIndex(s, n)
				got := findAllStepwise(r, re, s, n)
				if len(want) != len(got) || fmt.Sprint(want) != fmt.Sprint(got) {
					t.Errorf("%q on %q, n=%d: got %v, want %v", pat, s, n, got, want)
				}
			}
		}
	}
	for _, pat := range []string{`^x`, `(?m)^x`, `\bx`, `x\B`, `\Ax`, `(a|^b)`} {
		if !needsLeftContext(regexp.MustCompile(pat)) {
			t.Errorf("%s: not reported as looking left", pat)
		}
	}
}
