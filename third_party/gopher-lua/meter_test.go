package lua

import (
	"errors"
	"github.com/scriptrun/scriptrun/third_party/gopher-lua/parse"
	"strings"
	"testing"
	"time"
)

var errBudget = errors.New("step budget used up")

// budgetMeter grants steps in batches of batch out of a total of limit.
func budgetMeter(limit, batch int64, used *int64) StepMeter {
	return func(n int64) (int64, error) {
		*used += n
		if *used > limit {
			return 0, errBudget
		}
		return min(limit-*used, batch), nil
	}
}

func runMetered(t *testing.T, src string, limit, batch int64) (*LState, int64, error) {
	t.Helper()
	L := NewState()
	t.Cleanup(L.Close)
	var used int64
	L.SetStepMeter(budgetMeter(limit, batch, &used))
	err := L.DoString(src)
	return L, used, err
}

func TestMeterExactCount(t *testing.T) {
	const src = `local s = 0 for i = 1, 10000 do s = s + i end`
	var counts []int64
	for _, batch := range []int64{1, 7, 1000, 1 << 40} {
		L, _, err := runMetered(t, src, 1<<50, batch)
		if err != nil {
			t.Fatalf("batch %d: %v", batch, err)
		}
		counts = append(counts, L.Steps())
	}
	for _, c := range counts[1:] {
		if c != counts[0] {
			t.Fatalf("step counts differ by batch size: %v", counts)
		}
	}
	if counts[0] < 20000 || counts[0] > 20010 {
		t.Fatalf("steps = %d, want about 2 per iteration", counts[0])
	}
}

func TestMeterBudgetStops(t *testing.T) {
	L, used, err := runMetered(t, `while true do end`, 5000, 100)
	var ae *ApiError
	if !errors.As(err, &ae) || !errors.Is(ae.Cause, errBudget) {
		t.Fatalf("err = %v, want the meter's error as Cause", err)
	}
	if used != 5001 || L.Steps() != 5001 {
		t.Fatalf("used %d, Steps %d; want 5001 (the step that went over)", used, L.Steps())
	}
	if L.Halted() != errBudget {
		t.Fatalf("Halted() = %v", L.Halted())
	}
}

func TestMeterHaltUncatchable(t *testing.T) {
	for name, src := range map[string]string{
		"pcall":     `while true do pcall(function() while true do end end) end`,
		"xpcall":    `while true do xpcall(function() while true do end end, function(e) while true do end end) end`,
		"coroutine": `while true do coroutine.resume(coroutine.create(function() while true do end end)) end`,
		"wrap":      `while true do pcall(coroutine.wrap(function() while true do end end)) end`,
		"nested": `local function f() local ok = pcall(function() while true do end end) return f() end
			while true do pcall(f) end`,
		"error in loop": `while true do pcall(error, "x") end`,
	} {
		t.Run(name, func(t *testing.T) {
			L, used, err := runMetered(t, src, 100000, 1000)
			var ae *ApiError
			if !errors.As(err, &ae) || !errors.Is(ae.Cause, errBudget) {
				t.Fatalf("err = %v, want the budget error", err)
			}
			if used != 100001 || L.Steps() != 100001 {
				t.Fatalf("used %d, Steps %d, want 100001", used, L.Steps())
			}
		})
	}
}

func TestMeterNativeCharge(t *testing.T) {
	L := NewState()
	defer L.Close()
	var used int64
	L.SetStepMeter(budgetMeter(1000, 100, &used))
	L.SetGlobal("work", L.NewFunction(func(L *LState) int {
		for i := 0; i < L.CheckInt(1); i++ {
			L.ChargeSteps(1)
		}
		return 0
	}))
	if err := L.DoString(`work(500)`); err != nil {
		t.Fatal(err)
	}
	before := L.Steps()
	err := L.DoString(`pcall(work, 1e9)`)
	if err == nil || L.Halted() != errBudget {
		t.Fatalf("err = %v, halted %v", err, L.Halted())
	}
	if before < 500 || L.Steps() != 1001 {
		t.Fatalf("steps before %d, after %d", before, L.Steps())
	}
}

func TestMeterInterrupt(t *testing.T) {
	L := NewState()
	defer L.Close()
	L.SetStepMeter(nil)
	stop := errors.New("stopped from outside")
	go func() {
		time.Sleep(20 * time.Millisecond)
		L.Interrupt(stop)
	}()
	err := L.DoString(`local t = {} while true do pcall(function() for i = 1, 100 do t[i] = i end end) end`)
	var ae *ApiError
	if !errors.As(err, &ae) || ae.Cause != stop {
		t.Fatalf("err = %v, want the interrupt", err)
	}
	if err := L.DoString(`return 1`); err == nil || !strings.Contains(err.Error(), stop.Error()) {
		t.Fatalf("a halted state ran again: %v", err)
	}
}

func TestMeterCoroutinesShareCount(t *testing.T) {
	const body = `local s = 0 for i = 1, 1000 do s = s + i end`
	L1, _, err := runMetered(t, body+" "+body, 1<<50, 100)
	if err != nil {
		t.Fatal(err)
	}
	L2, _, err := runMetered(t, body+` coroutine.wrap(function() `+body+` end)()`, 1<<50, 100)
	if err != nil {
		t.Fatal(err)
	}
	if d := L2.Steps() - L1.Steps(); d < 0 || d > 20 {
		t.Fatalf("steps in a coroutine not counted: %d vs %d", L2.Steps(), L1.Steps())
	}
}

const benchLoop = `local s = 0 for i = 1, 1000000 do s = s + i end`

func BenchmarkLoopUnmetered(b *testing.B) {
	L := NewState()
	defer L.Close()
	fn, _ := L.LoadString(benchLoop)
	for b.Loop() {
		L.Push(fn)
		L.Call(0, 0)
	}
}

func BenchmarkLoopMetered(b *testing.B) {
	L := NewState()
	defer L.Close()
	L.SetStepMeter(func(n int64) (int64, error) { return 10000, nil })
	fn, _ := L.LoadString(benchLoop)
	for b.Loop() {
		L.Push(fn)
		L.Call(0, 0)
	}
}

func TestStackOverflowHalts(t *testing.T) {
	for _, minimize := range []bool{false, true} {
		testStackOverflowHalts(t, minimize)
	}
}

func testStackOverflowHalts(t *testing.T, minimize bool) {
	L := NewState(Options{CallStackSize: 100, MinimizeStackMemory: minimize})
	defer L.Close()
	where := 0
	L.OnHalt(func(L *LState) { where = strings.Count(L.Where(1), ":") })
	errDeep := errors.New("too deep")
	calls := 0
	L.OnStackOverflow(func() error { calls++; return errDeep })
	err := L.DoString(`local function f() return 1 + f() end
		while true do pcall(f) end`)
	var ae *ApiError
	if !errors.As(err, &ae) || ae.Cause != errDeep || calls != 1 {
		t.Fatalf("err = %v, calls %d; want the overflow halt once", err, calls)
	}
	if where == 0 {
		t.Fatalf("OnHalt saw no position (%d)", where)
	}
	L2 := NewState(Options{CallStackSize: 100, MinimizeStackMemory: minimize})
	defer L2.Close()
	if err := L2.DoString(`local function f() return 1 + f() end
		local ok, e = pcall(f) assert(not ok and e:find("stack overflow"))`); err != nil {
		t.Fatalf("without a hook the overflow is catchable: %v", err)
	}
}

func TestSparseKeysStayInTheHash(t *testing.T) {
	L := NewState()
	defer L.Close()
	var charged int64
	L.SetMemoryMeter(func(n int64) error { charged += n; return nil })
	err := L.DoString(`
		local t = {}
		t[67108863] = 1
		assert(t[67108863] == 1 and #t == 0)
		local n = 0 for k, v in pairs(t) do n = n + 1 assert(k == 67108863) end
		assert(n == 1)
		-- the array reaches far keys set earlier: they move into it
		local u = {}
		u[100] = "x" u[101] = "y"
		for i = 1, 99 do u[i] = i end
		assert(#u == 101 and u[100] == "x" and u[101] == "y")
		local c = 0 for k, v in pairs(u) do c = c + 1 end
		assert(c == 101, c)
		local seen = 0 for i, v in ipairs(u) do seen = i end
		assert(seen == 101)
		-- small gaps extend the array as before
		local w = {} w[1] = 1 w[3] = 3 assert(w[3] == 3)
		w[200] = nil w[1000] = 5 w[1000] = nil
		for k in pairs(w) do assert(k == 1 or k == 3) end
		table.insert(w, 4) assert(w[4] == 4 or w[2] == 4)
	`)
	if err != nil {
		t.Fatal(err)
	}
	if charged > 1<<20 {
		t.Fatalf("charged %d bytes for a few keys", charged)
	}
}

func TestMemoryMeterStopsDoubling(t *testing.T) {
	L := NewState()
	defer L.Close()
	errMem := errors.New("memory budget used up")
	var charged int64
	L.SetMemoryMeter(func(n int64) error {
		charged += n
		if charged > 64<<20 {
			return errMem
		}
		return nil
	})
	err := L.DoString(`local s = "x" while true do pcall(function() s = s .. s end) end`)
	var ae *ApiError
	if !errors.As(err, &ae) || ae.Cause != errMem {
		t.Fatalf("err = %v, want the memory meter's error", err)
	}
}

func TestLibraryCaps(t *testing.T) {
	for src, want := range map[string]string{
		`return string.rep("x", 2^40)`:                    "string length overflow",
		`return unpack({}, 1, 1e8)`:                       "too many results to unpack",
		`return unpack({}, -2^31, 2^31)`:                  "too many results to unpack",
		`return string.byte(string.rep("x", 1e6), 1, -1)`: "string slice too long",
	} {
		L := NewState()
		err := L.DoString(`local ok, e = pcall(function() ` + src + ` end) assert(not ok) error(e, 0)`)
		L.Close()
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", src, err, want)
		}
	}
}

func TestPatternsMetered(t *testing.T) {
	for _, src := range []string{
		`string.find(string.rep("a", 5000), ".-.-.-b")`,
		`string.gsub(string.rep("a", 20000), "a*a*a*b", "")`,
		`for w in string.gmatch(string.rep("a", 20000), "a*a*a*b") do end`,
		`string.match(string.rep("a", 5000), "(.-)(.-)(.-)b")`,
	} {
		_, _, err := runMetered(t, src, 1_000_000, 1000)
		var ae *ApiError
		if !errors.As(err, &ae) || !errors.Is(ae.Cause, errBudget) {
			t.Errorf("%s: err = %v, want the step budget", src, err)
		}
	}
}

func TestPatternRecursionBounded(t *testing.T) {
	L := NewState()
	defer L.Close()
	err := L.DoString(`
		-- repetition does not recurse per character: Lua 5.1's pm.lua
		local a = string.rep("a", 300000)
		assert(string.find(a, "^a*.?$") and not string.find(a, "^a*.?b$"))
		assert(string.find(a, "^a-.?$") and #string.match(a, "a+") == 300000)
		-- but each capture and repetition on the way through the pattern does
		local ok, e = pcall(string.find, string.rep("a", 30000), string.rep("(a)", 30000))
		assert(not ok and e:find("too complex"), e)
		ok, e = pcall(string.find, string.rep("a", 30000), string.rep("a?", 30000))
		assert(not ok and e:find("too complex"), e)`)
	if err != nil {
		t.Fatal(err)
	}
}

func TestGsubGmatch(t *testing.T) {
	L := NewState()
	defer L.Close()
	err := L.DoString(`
		assert(("hello world"):gsub("o", "0") == "hell0 w0rld")
		local s, n = ("abc"):gsub("", "-") assert(s == "-a-b-c-" and n == 4, s)
		s, n = ("hello world"):gsub("(%w+)", "<%1>") assert(s == "<hello> <world>" and n == 2)
		s, n = ("abc"):gsub("%w", {a = "1", b = false}) assert(s == "1bc" and n == 3, s)
		s, n = ("abc"):gsub("%w", function(c) if c == "b" then return "B" end end) assert(s == "aBc", s)
		s, n = ("aaa"):gsub("^a", "b") assert(s == "baa" and n == 1)
		s, n = ("abcabc"):gsub("b", "x", 1) assert(s == "axcabc" and n == 1)
		local t = {} for k, v in ("a=1, b=2"):gmatch("(%w+)=(%w+)") do t[#t+1] = k .. v end
		assert(table.concat(t, ",") == "a1,b2")
		local c = 0 for w in ("abc"):gmatch("") do c = c + 1 end assert(c == 4, c)
		c = 0 for w in ("aaa"):gmatch("^a") do c = c + 1 end assert(c == 1, c)
		assert(table.concat({1, 2, "x"}, "-") == "1-2-x")
	`)
	if err != nil {
		t.Fatal(err)
	}
}

func TestTailCallStack(t *testing.T) {
	L := NewState()
	defer L.Close()
	var got []string
	L.SetGlobal("where", L.NewFunction(func(L *LState) int {
		for i := 1; ; i++ {
			dbg, ok := L.GetStack(i)
			if !ok {
				break
			}
			if _, err := L.GetInfo("Sln", dbg, LNil); err != nil {
				t.Fatal(err)
			}
			got = append(got, dbg.What+" "+dbg.Name)
		}
		return 0
	}))
	if err := L.DoString("local function helper(x) where() return x end\nreturn helper(1)"); err != nil {
		t.Fatal(err)
	}
	want := "tail <<string>:1>|tail "
	if strings.Join(got, "|") != want {
		t.Fatalf("stack %q, want %q", strings.Join(got, "|"), want)
	}
}

func TestUpvaluesAfterCaughtErrors(t *testing.T) {
	for _, handler := range []bool{false, true} {
		L := NewState()
		fn, err := L.LoadString(`
			local x = 1
			local function get() return x end
			pcall(error, "e")
			x = 2
			assert(get() == 2, "a live upvalue was closed")
			local b
			local function f(n)
				local a = "xuxu"
				b = function(op, y) if op == "set" then a = n + y else return a end end
				error("x")
			end
			pcall(f, 4)
			assert(b("get") == "xuxu")
			local filler = {pcall(function(...) return ... end, 1, 2, 3, 4, 5, 6)}
			b("set", 10)
			assert(b("get") == 14, "an unwound frame's upvalue was not closed")`)
		if err != nil {
			t.Fatal(err)
		}
		L.Push(fn)
		var h *LFunction
		if handler {
			h = L.NewFunction(func(L *LState) int { return 1 })
		}
		if err := L.PCall(0, 0, h); err != nil {
			t.Errorf("handler %v: %v", handler, err)
		}
		L.Close()
	}
}

func TestSyntaxDepthLimits(t *testing.T) {
	const depth = 256
	deep := []string{
		"return " + strings.Repeat("(", 1e6) + "1" + strings.Repeat(")", 1e6),
		strings.Repeat("do ", 1e5) + strings.Repeat("end ", 1e5),
		"return " + strings.Repeat("{", 1e5) + strings.Repeat("}", 1e5),
		"return " + strings.Repeat("- ", 1e5) + "1",
		"return 1" + strings.Repeat(" .. 1", 1e5),
		"return 1" + strings.Repeat(" + x", 5e4),
		"return x" + strings.Repeat("[1]", 5e4),
		"return f" + strings.Repeat("()", 5e4),
	}
	for _, src := range deep {
		chunk, err := parse.ParseLimited(strings.NewReader(src), "<deep>", depth)
		if err == nil {
			_, err = CompileLimited(chunk, "<deep>", 64*depth)
		}
		if err == nil || !strings.Contains(err.Error(), "too many syntax levels") {
			t.Errorf("%.40s...: %v, want too many syntax levels", src, err)
		}
	}
	ok := []string{
		"return 1" + strings.Repeat(" + x", 5000),
		"if x then" + strings.Repeat(" elseif x then", 300) + " end",
		"return " + strings.Repeat("{", 200) + strings.Repeat("}", 200),
		"local t = {" + strings.Repeat("1, ", 100000) + "}",
		strings.Repeat("x = 1\n", 100000),
	}
	for _, src := range ok {
		chunk, err := parse.ParseLimited(strings.NewReader(src), "<ok>", depth)
		if err == nil {
			_, err = CompileLimited(chunk, "<ok>", 64*depth)
		}
		if err != nil {
			t.Errorf("%.40s...: %v", src, err)
		}
	}
}

func TestYieldAcrossGoCall(t *testing.T) {
	L := NewState()
	defer L.Close()
	err := L.DoString(`
		local co = coroutine.wrap(function()
			local ok, e = pcall(tostring, setmetatable({}, {__tostring = function() coroutine.yield() return "x" end}))
			assert(not ok and e:find("yield across"), e)
			coroutine.yield(1)
			return 2
		end)
		assert(co() == 1 and co() == 2)`)
	if err != nil {
		t.Fatal(err)
	}
}
