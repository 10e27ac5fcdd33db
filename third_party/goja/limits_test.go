package goja

import (
	"errors"
	"strings"
	"testing"
)

// rangeErrorOf runs src (a function body) and returns the message of the
// RangeError it throws, or fails.
func rangeErrorOf(t *testing.T, r *Runtime, src string) string {
	t.Helper()
	v, err := r.RunString("(function(){ try {\n" + src + "\n} catch (e) { return e instanceof RangeError ? 'RangeError: ' + e.message : 'other: ' + e } return 'no error' })()")
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	got := v.String()
	if !strings.HasPrefix(got, "RangeError: ") {
		t.Fatalf("%s: got %q, want a RangeError", src, got)
	}
	return got
}

func TestLimitsDefaults(t *testing.T) {
	r := New()
	if got, want := r.Limits(), DefaultLimits(); got != want {
		t.Fatalf("Limits() = %+v, want %+v", got, want)
	}
	r.SetLimits(Limits{MaxArgs: 10})
	got := r.Limits()
	if got.MaxArgs != 10 || got.MaxStringLen != DefaultMaxStringLen || got.MaxArrayLen != DefaultMaxArrayLen || got.MaxBufferLen != DefaultMaxBufferLen {
		t.Fatalf("Limits() after SetLimits(MaxArgs: 10) = %+v", got)
	}
	r.SetLimits(Limits{MaxStringLen: -1})
	if got := r.Limits().MaxStringLen; got < 1<<52 {
		t.Fatalf("negative MaxStringLen gave %d, want no bound", got)
	}
}

func TestLimitsDefaultsStopHugeAllocations(t *testing.T) {
	r := New()
	for _, src := range []string{
		`new ArrayBuffer(2**40)`,
		`new Uint8Array(2**40)`,
		`new Float64Array(2**35)`,
		`Math.max.apply(null, {length: 2**32-1})`,
		`Reflect.apply(Math.max, null, {length: 2**32-1})`,
		`Reflect.construct(Array, {length: 2**32-1})`,
		`'x'.repeat(2**30)`,
		`'x'.padStart(2**30)`,
		`'x'.padEnd(2**31, 'ab')`,
		`'\u00e9'.repeat(2**29)`,
		`Array.prototype.toSorted.call({length: 2**32-2})`,
		`var a = []; a.length = 2**32-2; a.with(0, 1)`,
		`var a = []; a.length = 2**32-2; a.toReversed()`,
		`var a = []; a.length = 2**32-2; a.toSpliced(0, 0, 1)`,
		`var a = []; a.length = 2**32-2; a.map(x => x)`,
		`Array.from({length: 2**32-1})`,
		`Array.prototype.sort.call({length: 2**32-1})`,
		`var r = []; r.length = 2**32-1; JSON.stringify({}, r)`,
	} {
		rangeErrorOf(t, r, src)
	}
}

func TestLimitsStrings(t *testing.T) {
	r := New()
	r.SetLimits(Limits{MaxStringLen: 1000})
	for _, src := range []string{
		`'x'.repeat(1001)`,
		`'ab'.repeat(501)`,
		`'\u00e9'.repeat(1001)`,
		`'x'.padStart(1001)`,
		`'\u00e9'.padEnd(1001, 'y')`,
		`var s = 'x'.repeat(600); s + s`,
		`var s = 'x'.repeat(600); s += '\u00e9'.repeat(400) + 'x'.repeat(10)`,
		`var s = 'x'.repeat(600); ''.concat(s, s)`,
		"var s = 'x'.repeat(600); `${s}${s}`",
		`Array(101).fill('0123456789').join('')`,
		`Array(600).join('ab')`,
		`Array(600).fill('a').toString()`,
		`Array(600).fill('a').toLocaleString()`,
		`'x'.repeat(10).replace(/x/g, 'y'.repeat(101))`,
		`'x'.repeat(10).replaceAll('x', 'y'.repeat(101))`,
		`'x'.repeat(10).replace(/(?=x)/g, 'y'.repeat(101))`,
		`JSON.stringify(Array(100).fill('0123456789'))`,
		`JSON.stringify('\u0001'.repeat(300))`,
		`String.raw({raw: {length: 1000}}, 'a')`,
		`String.fromCodePoint.apply(null, Array(1001).fill(65))`,
		`new Uint8Array(600).join()`,
	} {
		msg := rangeErrorOf(t, r, src)
		if !strings.Contains(msg, "string length") {
			t.Errorf("%s: %s, want a string length error", src, msg)
		}
	}
	// Just below the limit everything works.
	for _, src := range []string{
		`'x'.repeat(1000).length === 1000`,
		`var s = 'x'.repeat(500); (s + s).length === 1000`,
		`Array(100).fill('0123456789').join('').length === 1000`,
		`'x'.padStart(1000).length === 1000`,
		`JSON.stringify('x'.repeat(998)).length === 1000`,
	} {
		v, err := r.RunString(src)
		if err != nil || !v.ToBoolean() {
			t.Errorf("%s: %v %v, want true", src, v, err)
		}
	}
}

func TestLimitsArrays(t *testing.T) {
	r := New()
	r.SetLimits(Limits{MaxArrayLen: 1000})
	for _, src := range []string{
		`Array.from({length: 1001})`,
		`Array.prototype.toSorted.call({length: 1001})`,
		`Array(1001).toReversed()`,
		`Array(1001).with(0, 1)`,
		`[1].toSpliced(0, 0, ...Array(1000).fill(0))`,
		`var a = []; for (var i = 0; i < 5000; i++) a[i] = i`,
		`var a = []; for (var i = 0; i < 5000; i++) a.push(i)`,
		`[...Array(1001).keys()]`,
		`var a = Array(600).fill(0); a.concat(a)`,
		`var a = Array(600).fill(0); a.unshift(...a)`,
		`var a = []; a[5000] = 1; for (var i = 0; i < 5000; i++) a[i] = i`,
		`var r = []; r.length = 1001; JSON.stringify({}, r)`,
	} {
		msg := rangeErrorOf(t, r, src)
		if !strings.Contains(msg, "array length") {
			t.Errorf("%s: %s, want an array length error", src, msg)
		}
	}
	for _, src := range []string{
		`Array.from({length: 1000}).length === 1000`,
		`[...Array(1000).keys()].length === 1000`,
		`var a = []; for (var i = 0; i < 1000; i++) a.push(i); a.length === 1000`,
	} {
		v, err := r.RunString(src)
		if err != nil || !v.ToBoolean() {
			t.Errorf("%s: %v %v, want true", src, v, err)
		}
	}
}

func TestLimitsArgs(t *testing.T) {
	r := New()
	r.SetLimits(Limits{MaxArgs: 100})
	for _, src := range []string{
		`Math.max.apply(null, Array(101).fill(1))`,
		`Math.max.apply(null, {length: 101})`,
		`Reflect.apply(Math.max, null, Array(101).fill(1))`,
		`Reflect.construct(Array, Array(101).fill(1))`,
		`Math.max(...Array(101).fill(1))`,
		`(function(){}).apply(null, Array(101))`,
	} {
		msg := rangeErrorOf(t, r, src)
		if !strings.Contains(msg, "arguments") {
			t.Errorf("%s: %s, want a too many arguments error", src, msg)
		}
	}
	v, err := r.RunString(`Math.max(...Array(100).fill(1)) + Math.max.apply(null, Array(100).fill(2))`)
	if err != nil || v.ToInteger() != 3 {
		t.Fatalf("100 arguments: %v %v, want 3", v, err)
	}
}

func TestLimitsBuffers(t *testing.T) {
	r := New()
	r.SetLimits(Limits{MaxBufferLen: 1024})
	for _, src := range []string{
		`new ArrayBuffer(1025)`,
		`new Uint8Array(1025)`,
		`new Float64Array(129)`,
		`new Float64Array(new Uint8Array(129))`,
		`new Uint16Array({length: 513})`,
		`Uint8Array.from({length: 1025})`,
		`new ArrayBuffer(1024).slice(0)` + `; new ArrayBuffer(2**53-1)`,
	} {
		msg := rangeErrorOf(t, r, src)
		if !strings.Contains(msg, "buffer") {
			t.Errorf("%s: %s, want a buffer size error", src, msg)
		}
	}
	v, err := r.RunString(`new Float64Array(128).byteLength`)
	if err != nil || v.ToInteger() != 1024 {
		t.Fatalf("1024-byte buffer: %v %v", v, err)
	}
}

var errMeter = errors.New("memory budget exceeded")

func TestMemoryMeter(t *testing.T) {
	for _, src := range []string{
		`'x'.repeat(1e6)`,
		`var s = 'x'.repeat(1000); for (;;) s += s`,
		`new ArrayBuffer(1e6)`,
		`Array.from({length: 1e5})`,
		`var a = []; for (;;) a.push(1)`,
		`Array(1e5).fill('x').join('')`,
		`JSON.stringify(Array(1e5).fill('x'))`,
		`Math.max.apply(null, Array(60000).fill(1))`,
	} {
		t.Run(src, func(t *testing.T) {
			r := New()
			var used int64
			r.SetMemoryMeter(func(n int64) error {
				if n <= 0 {
					t.Errorf("meter called with %d", n)
				}
				used += n
				if used > 500_000 {
					return errMeter
				}
				return nil
			})
			// The script cannot catch the meter's error, nor run a finally.
			_, err := r.RunString(`var ran = ''; (function(){ try {` + src + `} catch (e) { ran += 'catch' } finally { ran += 'finally' } })()`)
			var ie *InterruptedError
			if !errors.As(err, &ie) || !errors.Is(err, errMeter) {
				t.Fatalf("got %v (%T), want an *InterruptedError wrapping errMeter", err, err)
			}
			if used < 500_000 {
				t.Errorf("meter saw %d bytes", used)
			}
			// The runtime is usable again afterwards.
			r.SetMemoryMeter(nil)
			v, err := r.RunString(`ran + '|' + (1 + 1)`)
			if err != nil || v.String() != "|2" {
				t.Fatalf("after the meter stopped the script: %v %v, want |2", v, err)
			}
		})
	}
}

func TestLimitsSparseArraysStaySparse(t *testing.T) {
	r := New()
	r.SetLimits(Limits{MaxArrayLen: 1000})
	v, err := r.RunString(`var a = []; a[1e9] = 1; a[5000] = 2; var b = Array(2**32-1); b[7] = 1; a.length + b.length`)
	if err != nil || v.ToInteger() != 1e9+1+(1<<32-1) {
		t.Fatalf("sparse arrays: %v %v", v, err)
	}
}
