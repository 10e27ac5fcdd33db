package lua_test

import (
	"fmt"
	"strings"
	"testing"

	glua "github.com/yuin/gopher-lua"

	plua "github.com/scriptrun/scriptrun/third_party/gopher-lua"
	pparse "github.com/scriptrun/scriptrun/third_party/gopher-lua/parse"
)

// diffScripts are ordinary uses of the language and its libraries. Each
// returns a string; upstream gopher-lua and the patched copy (metered and
// limited as the backend sets it up) must return the same.
var diffScripts = []string{
	// strings
	`return ("hello world"):upper() .. ("ABC"):lower() .. ("abc"):reverse() .. ("abc"):len()`,
	`return table.concat({("x"):rep(3), ("ab"):rep(0), ("ab"):rep(-1), ("abc"):sub(2), ("abc"):sub(-2, -1)}, "|")`,
	`return table.concat({string.byte("hello", 1, -1)}, ",") .. string.char(72, 105)`,
	`return table.concat({("hello world"):find("o w"), ("hello"):find("l+"), ("a.b"):find(".", 1, true)}, ",")`,
	`return table.concat({("key=val"):match("(%w+)=(%w+)")}, ",") .. tostring((("x"):match("y")))`,
	`return (("hello world from lua"):gsub("(%w+)", "<%1>"))`,
	`return (("abc"):gsub("", "-")) .. select(2, ("aaa"):gsub("a", "b", 2))`,
	`return (("hello"):gsub("l", {l = "L"})) .. (("abc"):gsub("%w", function(c) return c:upper() .. "." end))`,
	`local t = {} for k, v in ("a=1, b=2, c=3"):gmatch("(%w+)=(%w+)") do t[#t+1] = k .. v end return table.concat(t, ";")`,
	`local n = 0 for w in ("one two  three"):gmatch("%a+") do n = n + #w end return n`,
	`return table.concat({("  trim  "):match("^%s*(.-)%s*$"), ("f(a(b)c)"):match("%b()"), ("THE (quick) fox"):find("%((%a+)%)")}, "|")`,
	`return (("abc"):gsub("%f[%w]%w+", "X")) .. (("x = 1"):gsub("%s*=%s*", "="))`,
	`return (string.rep("a", 1000):gsub("a*", "-")) .. #string.rep("ab", 500):match("[ab]*")`,
	`return string.format("%d|%5d|%-5d|%05.1f|%x|%X|%o|%e|%g|%s|%q|%%|%c", 42, 42, 42, 3.14159, 255, 255, 8, 12345.678, 0.0001, "s", "a\nb", 65)`,
	`return tostring(1e15) .. " " .. tostring(2^53) .. " " .. tostring(0.1) .. " " .. tostring(-0) .. " " .. 10 / 3`,
	`return ("%s"):format(nil) .. tostring(true) .. tostring(nil)`,
	// tables
	`local t = {} for i = 1, 100 do t[i] = i * i end table.insert(t, 1, 0) table.insert(t, 50) table.remove(t, 1) table.remove(t) return #t .. " " .. t[1] .. " " .. t[#t]`,
	`local t = {5, 2, 8, 1, 9, 3} table.sort(t) local u = {5, 2, 8, 1} table.sort(u, function(a, b) return a > b end) return table.concat(t, ",") .. "|" .. table.concat(u, ",")`,
	`local t = {"b", "a", "c"} table.sort(t) return table.concat(t) .. table.concat({1, 2, 3}, ", ", 2, 3)`,
	`local t = {} t[1] = 1 t[2] = 2 t[4] = 4 t[1000] = 1000 t[100000000] = 1 local n = 0 for k, v in pairs(t) do n = n + k end return n .. " " .. (t[1000] or "nil")`,
	`local t = {} for i = 10, 1, -1 do t[i] = i end local s = 0 for i, v in ipairs(t) do s = s + v end return s .. " " .. #t`,
	`local t = {} t[200] = "x" for i = 1, 199 do t[i] = i end local c = 0 for _ in pairs(t) do c = c + 1 end return #t .. " " .. c`,
	`local t = {n = 1, [1] = "a", [2.5] = "b", [true] = "c"} return t.n .. t[1] .. t[2.5] .. t[true] .. tostring(next({}))`,
	`return select("#", unpack({1, 2, nil, 4}, 1, 4)) .. select(2, "a", "b", "c") .. select(-1, "x", "y")`,
	`local t = setmetatable({}, {__index = function(t, k) return k * 2 end, __newindex = function(t, k, v) rawset(t, k, v + 1) end}) t[1] = 1 return t[1] + t[5]`,
	`local mt = {__add = function(a, b) return a.v + b.v end, __concat = function(a, b) return "cat" end, __eq = function() return true end, __lt = function() return true end, __len = function() return 7 end, __call = function(self, x) return x end, __tostring = function() return "T" end}
	 local a, b = setmetatable({v = 1}, mt), setmetatable({v = 2}, mt)
	 return (a + b) .. (a .. b) .. tostring(a == b) .. tostring(a < b) .. a(9) .. tostring(a)`,
	// functions, closures, varargs, errors, coroutines
	`local function f(...) local a, b = ... return select("#", ...) + (a or 0) + (b or 0) end return f() + f(1) + f(1, 2, nil)`,
	`local fs = {} for i = 1, 3 do fs[i] = function() return i end end local s = "" for _, f in ipairs(fs) do s = s .. f() end return s`,
	`local function counter() local n = 0 return function() n = n + 1 return n end end local c = counter() c() c() return c()`,
	`local ok, e = pcall(error, "boom") local ok2, e2 = pcall(error, {code = 1}) local ok3, e3 = pcall(function() local x = nil; return x.y end) return tostring(ok) .. e .. e2.code .. tostring(ok3)`,
	`local ok, e = xpcall(function() error("x", 0) end, function(m) return "handled " .. m end) return tostring(ok) .. e`,
	`local co = coroutine.create(function(a, b) local c = coroutine.yield(a + b) local d, e = coroutine.yield(c * 2) return d + e end)
	 local r = {} for _, args in ipairs({{1, 2}, {10}, {3, 4}}) do local ok, v = coroutine.resume(co, unpack(args)) r[#r+1] = tostring(v) end
	 return table.concat(r, ",") .. coroutine.status(co)`,
	`local gen = coroutine.wrap(function() for i = 1, 3 do coroutine.yield(i) end end) return gen() + gen() + gen()`,
	`local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end return fib(20)`,
	`local function tail(n, acc) if n == 0 then return acc end return tail(n - 1, acc + n) end return tail(10000, 0)`,
	`local s = 0 for i = 1, 10 do if i % 2 == 0 then s = s + i elseif i % 3 == 0 then s = s - i else s = s * 1 end end local j = 0 repeat j = j + 1 until j >= 5 while j < 10 do j = j + 2 end return s + j`,
	// numbers
	`return math.floor(3.7) + math.ceil(3.2) + math.abs(-2) + math.max(1, 5, 3) + math.min(4, 2) + math.fmod(7, 3) + math.sqrt(16) + math.huge / math.huge ~= 1 and 1 or 0`,
	`return 7 % 3 .. " " .. -7 % 3 .. " " .. 7 % -3 .. " " .. 2 ^ 10 .. " " .. 1 / 0 .. " " .. tonumber("0x10") .. " " .. tonumber("  12  ") .. " " .. tostring(tonumber("z"))`,
	`return tostring(tonumber("10", 2)) .. " " .. math.floor(-0.5) .. " " .. string.format("%.3f", math.pi) .. " " .. #tostring(12345.6789)`,
	// strings as numbers, concat of numbers
	`return "10" + 5 .. " " .. "3" * "4" .. " " .. 1 .. 2`,
}

func TestDifferentialUpstream(t *testing.T) {
	for i, src := range diffScripts {
		up, upErr := runUpstreamValue(src)
		pa, paErr := runPatchedValue(src)
		if up != pa || (upErr == nil) != (paErr == nil) {
			t.Errorf("script %d: upstream %q (%v), patched %q (%v)\n%s", i, up, upErr, pa, paErr, src)
		}
		if upErr != nil {
			t.Errorf("script %d fails: %v", i, upErr)
		}
	}
}

func runUpstreamValue(src string) (string, error) {
	L := glua.NewState()
	defer L.Close()
	if err := L.DoString(src); err != nil {
		return "", err
	}
	return describeValues(L.GetTop(), func(i int) string { return L.Get(i).String() }), nil
}

func runPatchedValue(src string) (string, error) {
	L := plua.NewState(plua.Options{CallStackSize: 1000, RegistrySize: 256, RegistryMaxSize: 1000*64 + 4096,
		RegistryGrowStep: 256, MinimizeStackMemory: true})
	defer L.Close()
	L.SetStepMeter(func(int64) (int64, error) { return 1000, nil })
	L.SetMemoryMeter(func(int64) error { return nil })
	chunk, err := pparse.ParseLimited(strings.NewReader(src), "<string>", 256)
	if err != nil {
		return "", err
	}
	proto, err := plua.CompileLimited(chunk, "<string>", 64*256)
	if err != nil {
		return "", err
	}
	L.Push(L.NewFunctionFromProto(proto))
	if err := L.PCall(0, plua.MultRet, nil); err != nil {
		return "", err
	}
	return describeValues(L.GetTop(), func(i int) string { return L.Get(i).String() }), nil
}

func describeValues(n int, get func(int) string) string {
	vals := make([]string, n)
	for i := range vals {
		vals[i] = get(i + 1)
	}
	return fmt.Sprint(vals)
}
