package goja

import (
	"errors"
	"runtime"
	"testing"
)

// floods are loops that grow the heap by small allocations without bound.
var floods = []struct{ name, src string }{
	{"object properties", `var o = {}; for (let i = 0; ; i++) o["k" + i] = i`},
	{"object literals", `var a = []; for (;;) a.push({x: 1, y: 2})`},
	{"empty objects", `var a = []; for (;;) a.push({})`},
	{"closures", `var a = []; for (let i = 0; ; i++) a.push(() => i)`},
	{"defineProperty", `var o = {}; for (let i = 0; ; i++) Object.defineProperty(o, "k" + i, {value: i})`},
	{"symbol properties", `var o = {}; for (;;) o[Symbol()] = 1`},
	{"Map", `var m = new Map(); for (let i = 0; ; i++) m.set(i, i)`},
	{"Set", `var s = new Set(); for (let i = 0; ; i++) s.add(i)`},
	{"WeakMap", `var m = new WeakMap(), keep = []; for (;;) { const k = {}; keep.push(k); m.set(k, 1) }`},
	{"WeakSet", `var s = new WeakSet(), keep = []; for (;;) { const k = {}; keep.push(k); s.add(k) }`},
	{"sparse array", `var a = []; a[4e9] = 1; for (let i = 0; ; i++) a[i * 1000] = i`},
	{"errors", `var a = []; for (;;) a.push(new Error())`},
	{"arguments", `var a = []; function f() { return arguments } for (;;) a.push(f(1))`},
	{"Object.fromEntries", `var e = []; for (let i = 0; i < 1000; i++) e.push(["k" + i, i]); var a = []; for (;;) a.push(Object.fromEntries(e))`},
	{"Map from entries", `var e = []; for (let i = 0; i < 1000; i++) e.push([i, i]); var a = []; for (;;) a.push(new Map(e))`},
}

var errMemory = errors.New("memory budget exceeded")

// TestFloodsStopAtTheMemoryMeter runs each flood with a memory meter that
// refuses more than 16 MiB: each must end with the meter's error, which
// the script cannot catch.
func TestFloodsStopAtTheMemoryMeter(t *testing.T) {
	for _, f := range floods {
		t.Run(f.name, func(t *testing.T) {
			vm := New()
			var used int64
			vm.SetMemoryMeter(func(n int64) error {
				if used += n; used > 16<<20 {
					return errMemory
				}
				return nil
			})
			// A flood the meter misses ends at the step budget instead.
			var steps int64
			vm.SetStepMeter(func(used int64) (int64, error) {
				if steps += used; steps > 5e7 {
					return 0, errors.New("steps exceeded")
				}
				return 1 << 16, nil
			})
			_, err := vm.RunString("try { " + f.src + " } catch (e) {} finally { for (;;) {} }")
			var ie *InterruptedError
			if !errors.As(err, &ie) || !errors.Is(ie, errMemory) {
				t.Fatalf("got %v, want the meter's error", err)
			}
		})
	}
}

// TestChargesFollowAllocation checks the fixed estimates against what the
// Go heap allocates for the same loops (allocation volume, as the meter
// counts): each estimate is at least a third of it and at most twice it,
// so a change in goja's data structures that makes an estimate wrong by
// more than that shows here.
func TestChargesFollowAllocation(t *testing.T) {
	const n = 100000
	for _, c := range []struct{ name, setup, loop string }{
		{"properties", `var o = {}, k = []; for (let i = 0; i < N; i++) k.push("k" + i)`, `for (let i = 0; i < N; i++) o[k[i]] = 0`},
		{"Map", `var m = new Map(), k = []; for (let i = 0; i < N; i++) k.push({})`, `for (let i = 0; i < N; i++) m.set(k[i], 0)`},
		{"Set", `var s = new Set(), k = []; for (let i = 0; i < N; i++) k.push({})`, `for (let i = 0; i < N; i++) s.add(k[i])`},
		{"WeakMap", `var m = new WeakMap(), k = []; for (let i = 0; i < N; i++) k.push({})`, `for (let i = 0; i < N; i++) m.set(k[i], 0)`},
		{"symbol properties", `var o = {}, k = []; for (let i = 0; i < N; i++) k.push(Symbol())`, `for (let i = 0; i < N; i++) o[k[i]] = 0`},
		{"sparse array", `var a = [], k = []; a[4e9] = 0; for (let i = 0; i < N; i++) k.push(i * 1000)`, `for (let i = 0; i < N; i++) a[k[i]] = 0`},
		{"deep errors", `var a = new Array(N).fill(0); function deep(n, f) { return n > 0 ? deep(n - 1, f) : f() }`, `deep(100, () => { for (let i = 0; i < N / 100; i++) a[i] = new Error() })`},
	} {
		vm := New()
		var charged int64
		vm.SetMemoryMeter(func(n int64) error { charged += n; return nil })
		vm.Set("N", n)
		if _, err := vm.RunString(c.setup); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		prg := MustCompile("loop.js", c.loop, false)
		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		before, charged0 := ms.TotalAlloc, charged+vm.guards.pending
		if _, err := vm.RunProgram(prg); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		runtime.ReadMemStats(&ms)
		iters := float64(n)
		if c.name == "deep errors" {
			iters = n / 100
		}
		alloc := float64(ms.TotalAlloc-before) / iters
		got := float64(charged+vm.guards.pending-charged0) / iters
		t.Logf("%s: %.0f bytes charged, %.0f allocated per iteration", c.name, got, alloc)
		if got < alloc/3 || got > 2*alloc {
			t.Errorf("%s: %.0f bytes charged per iteration, %.0f allocated", c.name, got, alloc)
		}
	}
}

// TestSmallChargesReachTheMeter checks that the collected small charges are
// reported without waiting for a batch to fill: at the next slice of steps.
func TestSmallChargesReachTheMeter(t *testing.T) {
	vm := New()
	var charged int64
	vm.SetMemoryMeter(func(n int64) error { charged += n; return nil })
	if _, err := vm.RunString(`var o = {}; for (let i = 0; i < 20; i++) o["p" + i] = i; for (let i = 0; i < 2000; i++) {}`); err != nil {
		t.Fatal(err)
	}
	if want := int64(20-freeEntries) * propertyCharge; charged < want {
		t.Errorf("meter heard of %d bytes, want at least %d", charged, want)
	}
}

// TestSmallObjectsAreFree: the small objects that the VM and ordinary code
// make and drop at once (iterator results, promises, small literals,
// closures) are not charged, so long loops over them end at their steps or
// time, never at the memory budget.
func TestSmallObjectsAreFree(t *testing.T) {
	vm := New()
	var charged int64
	vm.SetMemoryMeter(func(n int64) error { charged += n; return nil })
	_, err := vm.RunString(`
	function* gen(n) { for (let i = 0; i < n; i++) yield i }
	let sum = 0;
	for (const x of gen(100000)) sum += x;
	for (const [k, v] of new Map([[1, 2]]).entries()) sum += k + v;
	for (let i = 0; i < 100000; i++) { const p = {x: i, y: 2 * i}; sum += p.x + p.y; const f = () => p.x; sum += f(); }
	async function loop() { for (let i = 0; i < 10000; i++) await i }
	loop();
	for (let i = 0; i < 10000; i++) { try { null.x } catch (e) { sum++ } }
	sum`)
	if err != nil {
		t.Fatal(err)
	}
	if charged += vm.guards.pending; charged > 64<<10 {
		t.Errorf("charged %d bytes for loops that keep nothing", charged)
	}
}

// TestSubstringCopiesAreCharged: a non-ASCII substring is a copy, so every
// built-in that hands one to the script charges it.
func TestSubstringCopiesAreCharged(t *testing.T) {
	const n = 1 << 16
	for _, src := range []string{
		`s.slice(1)`,
		`s.substring(1)`,
		`s.substr(1)`,
		`t.trim()`,
		`t.trimStart()`,
		`t.trimEnd()`,
		`t.split(" ")`,
		`t.split(/ /)`,
		`/(.+)/s.exec(s)[1]`,
		`s.match(/.+/gs)`,
		`s.replace(/(.+)/s, (m, g) => { kept = g; return "" })`,
		`JSON.parse(q)`,
		`JSON.parse("{" + q + ": 1}")`,
	} {
		vm := New()
		vm.Set("N", n)
		if _, err := vm.RunString(`var kept, s = "\u00e9".repeat(N), t = " " + s + " " + s + " ", q = JSON.stringify(s)`); err != nil {
			t.Fatal(err)
		}
		var charged int64
		vm.SetMemoryMeter(func(n int64) error { charged += n; return nil })
		if _, err := vm.RunString(src); err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if charged += vm.guards.pending; charged < n {
			t.Errorf("%s: charged %d bytes for a copy of %d code units", src, charged, n)
		}
	}
}
