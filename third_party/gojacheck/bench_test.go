package gojacheck

import (
	"runtime"
	"testing"

	"golang.org/x/sys/unix"

	upstream "github.com/dop251/goja"
	patched "github.com/scriptrun/scriptrun/third_party/goja"
)

// Workloads that pass through the patched allocation sites and call paths.
// Compare pairs with: go test ./third_party/gojacheck -run - -bench . -count 5
// and the ratio of the cpu-ns/op figures of a pair: the CPU time of the
// thread running the benchmark, which a busy machine disturbs much less
// than wall time (ns/op).
var workloads = map[string]string{
	"StringConcat":    `var s = ''; for (var i = 0; i < 20000; i++) s += 'x'; s.length`,
	"Template":        "var n = 0; for (var i = 0; i < 20000; i++) n += `${i}-${i}`.length; n",
	"Join":            `var a = []; for (var i = 0; i < 2000; i++) a.push('ab'); var n = 0; for (var j = 0; j < 20; j++) n += a.join(',').length; n`,
	"Fib":             `function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2) } fib(22)`,
	"ArrayPush":       `var a = []; for (var i = 0; i < 50000; i++) a.push(i); a.length`,
	"NativeCallbacks": `var a = []; for (var i = 0; i < 2000; i++) a.push(-i); var n = 0; for (var j = 0; j < 20; j++) n += a.map(Math.abs).length; n`,
	"JSON":            `var o = []; for (var i = 0; i < 500; i++) o.push({a: i, b: 'x' + i, c: [i, i]}); var n = 0; for (var j = 0; j < 10; j++) n += JSON.parse(JSON.stringify(o)).length; n`,
	"Regexp2":         `var n = 0; for (var i = 0; i < 2000; i++) n += 'abcabcabc'.replace(/b(?=c)/g, 'x').length; n`,
	"Apply":           `var a = [1, 2, 3, 4, 5]; var n = 0; for (var i = 0; i < 20000; i++) n += Math.max.apply(null, a); n`,
	"Compile":         ``,
}

const compileSrc = `function f(a, b) { return a.map(x => x * 2).filter(x => x > b).reduce((s, x) => s + x, 0) }
var o = {a: [1, 2, 3], b: {c: 'd', e: [4, 5, {f: 6}]}}; if (o.a.length > 2 && o.b.c === 'd' || o.b.e[2].f == 6) { f(o.a, 1) + 1 + 2 + 3 }`

func benchUpstream(b *testing.B, src string) {
	if src == "" {
		for i := 0; i < b.N; i++ {
			if _, err := upstream.Compile("", compileSrc, false); err != nil {
				b.Fatal(err)
			}
		}
		return
	}
	p := upstream.MustCompile("", src, false)
	for i := 0; i < b.N; i++ {
		if _, err := upstream.New().RunProgram(p); err != nil {
			b.Fatal(err)
		}
	}
}

func benchPatched(b *testing.B, src string) {
	if src == "" {
		for i := 0; i < b.N; i++ {
			if _, err := patched.Compile("", compileSrc, false); err != nil {
				b.Fatal(err)
			}
		}
		return
	}
	p := patched.MustCompile("", src, false)
	for i := 0; i < b.N; i++ {
		if _, err := patched.New().RunProgram(p); err != nil {
			b.Fatal(err)
		}
	}
}

// threadCPU measures the CPU time of the benchmark's (locked) thread.
func threadCPU(b *testing.B) func() {
	runtime.LockOSThread()
	var t0 unix.Timespec
	_ = unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &t0)
	return func() {
		var t1 unix.Timespec
		_ = unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &t1)
		runtime.UnlockOSThread()
		b.ReportMetric(float64(t1.Nano()-t0.Nano())/float64(b.N), "cpu-ns/op")
	}
}

func BenchmarkWorkloads(b *testing.B) {
	for _, name := range []string{"StringConcat", "Template", "Join", "Fib", "ArrayPush", "NativeCallbacks", "JSON", "Regexp2", "Apply", "Compile"} {
		src := workloads[name]
		b.Run(name+"/upstream", func(b *testing.B) { defer threadCPU(b)(); benchUpstream(b, src) })
		b.Run(name+"/patched", func(b *testing.B) { defer threadCPU(b)(); benchPatched(b, src) })
	}
}
