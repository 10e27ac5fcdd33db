package lua

import (
	"reflect"
	"sort"
	"testing"
)

// linesRun runs src with a line hook and returns the lines it reported.
func linesRun(t *testing.T, src string, metered bool) ([]int, error) {
	t.Helper()
	L := NewState()
	defer L.Close()
	if metered {
		L.SetStepMeter(nil)
	}
	seen := map[int]bool{}
	L.SetLineHook(func(p *FunctionProto, pc, line int) {
		if p.SourceName == "<string>" {
			seen[line] = true
		}
	})
	err := L.DoString(src)
	var lines []int
	for l := range seen {
		lines = append(lines, l)
	}
	sort.Ints(lines)
	return lines, err
}

// TestLineHook checks the lines reported, with and without a step meter:
// code that does not run (a branch not taken, a function never called,
// code after an error) is absent, lines without instructions (a lone
// "end") too.
func TestLineHook(t *testing.T) {
	for _, c := range []struct {
		name, src string
		want      []int
		fails     bool
	}{
		{"branches", `local x = 1
if x > 1 then
  x = 2
else
  x = 3
end
local function never()
  return 4
end
return x`, []int{1, 2, 5, 7, 10}, false},
		{"loop and call", `local function f(n)
  return n * 2
end
local s = 0
for i = 1, 3 do
  s = s + f(i)
end`, []int{1, 2, 4, 5, 6, 8}, false}, // 8: the chunk's implicit return, after its last statement
		{"coroutine", `local co = coroutine.create(function()
  coroutine.yield(1)
  error("boom")
end)
coroutine.resume(co)
coroutine.resume(co)
error("stop")
print("never")`, []int{1, 2, 3, 5, 6, 7}, true},
	} {
		for _, metered := range []bool{false, true} {
			got, err := linesRun(t, c.src, metered)
			if (err != nil) != c.fails {
				t.Fatalf("%s: err = %v", c.name, err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("%s (metered %v): lines %v, want %v", c.name, metered, got, c.want)
			}
		}
	}
}

// TestLineHookRemoved checks that removing the hook restores the loop.
func TestLineHookRemoved(t *testing.T) {
	L := NewState()
	defer L.Close()
	n := 0
	L.SetLineHook(func(*FunctionProto, int, int) { n++ })
	if err := L.DoString("local x = 1\nx = x + 1"); err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("hook not called")
	}
	L.SetLineHook(nil)
	n = 0
	if err := L.DoString("local x = 1\nx = x + 1"); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("hook called %d times after it was removed", n)
	}
}
