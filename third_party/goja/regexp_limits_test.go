package goja

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// A pattern with a lookahead runs on the backtracking engine; (a+)+ on
// 'aaa...b' backtracks exponentially.
const catastrophic = `/^(?=a)(a+)+$/.test('a'.repeat(30) + 'b')`

func TestRegexpTimeoutStopsTheScript(t *testing.T) {
	r := New()
	r.SetRegexpTimeout(func() time.Duration { return 50 * time.Millisecond })
	// Neither catch nor finally may run.
	_, err := r.RunString(`var ran = ''; (function(){ try { return ` + catastrophic + ` } catch (e) { ran += 'catch' } finally { ran += 'finally' } })()`)
	var ie *InterruptedError
	var te *RegexpTimeoutError
	if !errors.As(err, &ie) || !errors.As(err, &te) {
		t.Fatalf("got %v (%T), want an *InterruptedError wrapping a *RegexpTimeoutError", err, err)
	}
	if te.Timeout != 50*time.Millisecond || !strings.Contains(te.Pattern, "(a+)+") {
		t.Errorf("timeout error %+v", te)
	}
	v, err := r.RunString(`ran + '|' + /(?=b)b/.test('ab')`)
	if err != nil || v.String() != "|true" {
		t.Fatalf("after the timeout: %v %v, want |true", v, err)
	}
}

func TestRegexpTimeoutEveryRoute(t *testing.T) {
	for _, src := range []string{
		`/^(?=a)(a+)+$/.exec('a'.repeat(30) + 'b')`,
		`('a'.repeat(30) + 'b').match(/^(?=a)(a+)+$/)`,
		`('a'.repeat(30) + 'b').match(/^(?=a)(a+)+$/g)`,
		`[...('a'.repeat(30) + 'b').matchAll(/^(?=a)(a+)+$/g)]`,
		`('a'.repeat(30) + 'b').replace(/^(?=a)(a+)+$/, 'x')`,
		`('a'.repeat(30) + 'b').replace(/^(?=a)(a+)+$/g, 'x')`,
		`('a'.repeat(30) + 'b').split(/^(?=a)(a+)+$/)`,
		`('a'.repeat(30) + 'b').search(/^(?=a)(a+)+$/)`,
		`new RegExp('^(?=a)(a+)+$').test('a'.repeat(30) + 'b')`,
		`/(a+)+\1$/.test('a'.repeat(30) + 'b')`,
		`var re = /(?=a)(a+)+$/y; re.lastIndex = 1; re.test('a'.repeat(30) + 'b')`,
		`/^(?=a)(a+)+$/u.test('a'.repeat(30) + '\u{1F600}')`,
	} {
		t.Run(src, func(t *testing.T) {
			r := New()
			r.SetRegexpTimeout(func() time.Duration { return 20 * time.Millisecond })
			_, err := r.RunString(`try { ` + src + ` } catch (e) { 'caught ' + e }`)
			var te *RegexpTimeoutError
			if !errors.As(err, &te) {
				t.Fatalf("got %v, want a *RegexpTimeoutError", err)
			}
		})
	}
}

func TestRegexpTimeoutReportsTheInterrupt(t *testing.T) {
	r := New()
	r.SetRegexpTimeout(func() time.Duration { return 200 * time.Millisecond })
	cause := errors.New("run cancelled")
	time.AfterFunc(10*time.Millisecond, func() { r.Interrupt(cause) })
	_, err := r.RunString(catastrophic)
	if !errors.Is(err, cause) {
		t.Fatalf("got %v, want the interrupt's value", err)
	}
}

func TestRegexpNoTimeLeft(t *testing.T) {
	r := New()
	r.SetRegexpTimeout(func() time.Duration { return 0 })
	_, err := r.RunString(catastrophic)
	var te *RegexpTimeoutError
	if !errors.As(err, &te) {
		t.Fatalf("got %v, want a *RegexpTimeoutError", err)
	}
	// Simple matches still work with the default.
	r.SetRegexpTimeout(nil)
	v, err := r.RunString(`/(?<=a)b/.exec('ab')[0] + 'abcabc'.replace(/(b)(?=c)/g, '[$1]')`)
	if err != nil || v.String() != "ba[b]ca[b]c" {
		t.Fatalf("got %v %v", v, err)
	}
}

func TestRegexpBacktrackingStackIsARangeError(t *testing.T) {
	r := New()
	v, err := r.RunString(`try { /(?=a)(a|b)*c/.test('a'.repeat(200000)); 'no error' } catch (e) { e instanceof RangeError ? 'RangeError' : String(e) }`)
	if err != nil || v.String() != "RangeError" {
		t.Fatalf("got %v %v, want RangeError", v, err)
	}
}

func TestRegexpSourceBounds(t *testing.T) {
	r := New()
	for _, src := range []string{
		`new RegExp('(?='.repeat(1001) + 'a' + ')'.repeat(1001))`,
		`new RegExp('('.repeat(100000) + ')'.repeat(100000))`,
		`new RegExp('a'.repeat(65537))`,
	} {
		v, err := r.RunString(`try { ` + src + `; 'no error' } catch (e) { e instanceof SyntaxError ? 'SyntaxError' : String(e) }`)
		if err != nil || v.String() != "SyntaxError" {
			t.Errorf("%s: got %v %v, want SyntaxError", src, v, err)
		}
	}
	// A literal in the source is bounded the same way, at compile time.
	if _, err := Compile("", "/"+strings.Repeat("(?:", 1001)+"a"+strings.Repeat(")", 1001)+"/", false); err == nil {
		t.Errorf("deeply nested regexp literal compiled")
	}
	// At the limits, and with parentheses in classes and escapes.
	v, err := r.RunString(`new RegExp('(?='.repeat(1000) + 'a' + ')'.repeat(1000)).test('a') && new RegExp('[(]'.repeat(2000) + '\\('.repeat(2000)).test('('.repeat(4000))`)
	if err != nil || !v.ToBoolean() {
		t.Fatalf("got %v %v, want true", v, err)
	}
}

// TestRegexpProgramSize: a pattern whose counted repeats would expand into
// a huge RE2 program runs on regexp2 instead, with the same results, and
// compiling a pattern at run time is charged to the memory meter.
func TestRegexpProgramSize(t *testing.T) {
	for _, c := range []struct {
		src  string
		big  bool
		size int64
	}{
		{"abc", false, 4},
		{"[a-z]{10}", false, 11},
		{"a{1000}a{1000}", false, 4003},
		{strings.Repeat("[a-z]{1000}", 65), false, 65066},
		{strings.Repeat("[a-z]{1000}", 66), true, 0},
		{strings.Repeat("a{1000}", 100), true, 0},
	} {
		n, small := re2ProgramSize(c.src)
		if small == c.big || (!c.big && n != c.size) {
			t.Errorf("%s: size %d, small %v", c.src, n, small)
		}
	}
	vm := New()
	var charged int64
	vm.SetMemoryMeter(func(n int64) error { charged += n; return nil })
	v, err := vm.RunString(`
	const re = new RegExp("a{1000}".repeat(100) + "$");
	[re.test("a".repeat(100000)), re.test("a".repeat(99999)), re.test("b" + "a".repeat(100000))].join()`)
	if err != nil {
		t.Fatal(err)
	}
	if got := v.String(); got != "true,false,true" {
		t.Errorf("matches: %s", got)
	}
	re := vm.Get("re")
	if re == nil {
		re, _ = vm.RunString("re")
	}
	if p := re.(*Object).self.(*regexpObject).pattern; p.regexp2Wrapper == nil {
		t.Error("the big pattern was compiled by RE2")
	}
	if charged < 700*regexp2ByteCharge {
		t.Errorf("charged %d bytes", charged)
	}
	charged = 0
	if _, err := vm.RunString(`new RegExp("[a-z]{1000}")`); err != nil {
		t.Fatal(err)
	}
	if charged < 1000*re2InstCharge {
		t.Errorf("charged %d bytes for [a-z]{1000}", charged)
	}
}
