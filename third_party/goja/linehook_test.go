package goja

import (
	"reflect"
	"sort"
	"testing"
)

// TestLineHook checks the lines reported: code that does not run (a branch
// not taken, a function never called, code after an uncaught throw) is
// absent, lines without code (a lone "}") too, and code run from native
// functions (callbacks), generators and promise jobs is reported. A called
// function's first line counts only when a statement on it runs.
func TestLineHook(t *testing.T) {
	for _, c := range []struct {
		name, src string
		want      []int
		fails     bool
	}{
		{"branches", `var x = 1;
if (x > 1) {
  x = 2;
} else {
  x = 3;
}
function never() {
  return 4;
}
x;`, []int{1, 2, 5, 10}, false},
		{"callbacks", `[1, 2].map(function (n) {
  return n * 2;
});
function* g() {
  yield 1;
  yield 2;
}
for (const v of g()) {
  v;
}`, []int{1, 2, 5, 6, 8, 9}, false},
		{"throw", `var y = 0;
try {
  throw new Error("x");
} catch (e) {
  y = 1;
}
Promise.resolve().then(function () {
  y = 2;
});
throw y;
y = 3;`, []int{1, 2, 3, 5, 7, 8, 10}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := New()
			seen := map[int]bool{}
			r.SetLineHook(func(src string, line int) {
				if src == "t.js" {
					seen[line] = true
				}
			})
			_, err := r.RunScript("t.js", c.src)
			if (err != nil) != c.fails {
				t.Fatalf("err = %v", err)
			}
			var got []int
			for l := range seen {
				got = append(got, l)
			}
			sort.Ints(got)
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("lines %v, want %v", got, c.want)
			}
		})
	}
}

// TestLineHookSteps checks that a run with a line hook takes the same steps.
func TestLineHookSteps(t *testing.T) {
	const src = `var s = 0; for (var i = 0; i < 1000; i++) { s += [i].map(function (x) { return x + 1; })[0]; }`
	var steps [2]int64
	for i := range steps {
		r := New()
		if i == 1 {
			r.SetLineHook(func(string, int) {})
		}
		if _, err := r.RunString(src); err != nil {
			t.Fatal(err)
		}
		steps[i] = r.StepsUsed()
	}
	if steps[0] != steps[1] {
		t.Fatalf("steps without a hook %d, with %d", steps[0], steps[1])
	}
}
