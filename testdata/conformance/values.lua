-- Conformance: values crossing between script and host (see
-- engine/enginetest). Every type both ways, and the limits of conversion.
-- @name input scalars
-- @input {"n": 3, "f": 2.5, "s": "héllo ✓", "t": true, "z": null}
host.assert.eq(type(input.n), "number")
host.assert.eq(input.s, "héllo ✓")
host.assert.ok(input.z == nil, "null is nil")
return {input.n + 1, input.f * 2, input.s, input.t, not input.t}
-- ### ok [4, 5, "héllo ✓", true, false]
-- ---
-- @name input containers
-- @input {"l": [1, "two", [3]], "m": {"k": "v", "nested": {"x": [true, 2.5]}}}
host.assert.eq(input.l[3][1], 3)
host.assert.eq(input.m.nested.x[2], 2.5)
return input
-- ### ok {"l": [1, "two", [3]], "m": {"k": "v", "nested": {"x": [true, 2.5]}}}
-- ---
-- @name null in input lists and maps
-- @input {"l": [1, null, 3], "m": {"a": null, "b": 2}}
host.assert.ok(input.l[2] == nil, "list item")
host.assert.ok(input.m.a == nil, "map value")
return {input.l[3], input.m.b}
-- ### ok [3, 2]
-- ---
-- @name return scalars
return {true, false, 0, -0, 42, -7, 1.5, 3.0, 2 ^ 53, 2 ^ 60, "x", ""}
-- ### ok [true, false, 0, 0, 42, -7, 1.5, 3, 9007199254740992, 1152921504606846976, "x", ""]
-- ---
-- @name return null
return nil
-- ### ok null
-- ---
-- @name return nested
return {a = 1, b = {c = {1, {d = "e"}}}, s = "ü"}
-- ### ok {"a": 1, "b": {"c": [1, {"d": "e"}]}, "s": "ü"}
-- ---
-- @name empty list
return {}
-- ### ok []
-- ---
-- @name empty containers to the host
-- An empty table is an empty list, except for a param declared as a map.
return host.t.kind({}, {})
-- ### ok ["list", "map"]
-- ---
-- @name values to the host and back
local v = {a = {1, 2.5, "x", true}, b = {c = "d"}, u = "😀"}
host.assert.eq(host.t.echo(v), v)
return host.t.echo(v)
-- ### ok {"a": [1, 2.5, "x", true], "b": {"c": "d"}, "u": "😀"}
-- ---
-- @name host values are copies
local a = {1}
host.kv.set("k", a)
table.insert(a, 2)
local b = host.kv.get("k")
table.insert(b, 3)
return {a, b, host.kv.get("k")}
-- ### ok [[1, 2], [1, 3], [1]]
-- ---
-- @name bytes both ways
local r = host.crypto.random_bytes(4)
host.assert.ok(type(r) == "string", "bytes arrive as a string")
host.assert.eq(#r, 4)
return {host.crypto.sha256("abc"), host.crypto.sha256(string.char(97, 98, 99))}
-- ### ok ["ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"]
-- ---
-- @name whole numbers are ints
return host.t.typed("s", 3.0)
-- ### ok {"s": "s", "n": 3}
-- ---
-- @name a fraction is not an int
host.t.typed("s", 2.5)
-- ### error runtime "t.typed: param n: want int, got number (not a whole number)" at "values.lua:73"
-- ---
-- @name argument nested too deep
local deep = {}
for i = 1, 100 do deep = {deep} end
host.t.echo(deep)
-- ### error runtime "t.echo: param value: at $[0][0]" at "values.lua:79"
-- ---
-- @name result nested too deep
local deep = {}
for i = 1, 100 do deep = {deep} end
return deep
-- ### error output "nested deeper than 64 levels"
-- ---
-- @name argument too large
host.t.echo(string.rep("x", 2 * 1024 * 1024))
-- ### error runtime "t.echo: param value: larger than the limit of 1048576 bytes" at "values.lua:89"
-- ---
-- @name argument with a cycle
local a = {1}
a[2] = a
host.t.echo(a)
-- ### error runtime "t.echo: param value: at $[1]: the" at "values.lua:95"
-- ---
-- @name result with a cycle
local a = {x = 1}
a.self = a
return a
-- ### error output "at $.self: the"
-- ---
-- @name function argument
host.t.echo(function() return 1 end)
-- ### error runtime "t.echo: param value: a function cannot cross to the host"
-- ---
-- @name function in the result
return {f = function() return 1 end}
-- ### error output "at $.f: a function cannot cross to the host"
-- ---
-- @name NaN argument
host.t.echo(0 / 0)
-- ### error runtime "t.echo: param value: number is not finite"
-- ---
-- @name infinite result
return {1 / 0}
-- ### error output "at $[0]: number is not finite"
-- ---
-- @name conversion errors are catchable
local n = 0
for _, bad in ipairs({function() end, 0 / 0}) do
  local ok = pcall(host.t.echo, bad)
  if not ok then
    n = n + 1
  end
end
return n
-- ### ok 2
-- ---
-- @name input too large
-- @budget input=50
-- @input {"s": "0123456789012345678901234567890123456789012345678901234567890123456789"}
return 1
-- ### limit "input"
-- ---
-- @name input nested too deep
-- @input [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]
return 1
-- ### error input "nested deeper than 64 levels"
-- ---
-- @name a result string that is not text
-- Lua strings are bytes: the host takes text (valid UTF-8) only.
return {ok = "fine", s = "a\255b"}
-- ### error output "at $.s: a string that is not valid UTF-8 (byte 2) cannot cross to the host"
-- ---
-- @name an argument string that is not text
host.t.echo({"x", "\192"})
-- ### error runtime "t.echo: param value: at $[1]: a string that is not valid UTF-8 (byte 1)"
-- ---
-- @name a map key that is not text
return {["k\255"] = 1}
-- ### error output "a key that is not valid UTF-8 (byte 2) cannot cross to the host"
-- ---
-- @name a log line that is not text
print("ok", "\255")
-- ### error runtime "print: argument 2 is not valid UTF-8 (byte 1)"
-- ---
-- @name binary data to a bytes parameter
-- A parameter declared bytes takes any Lua string as its bytes.
return {host.crypto.sha256("\255\0\1"), host.t.echo("\240\159\152\128")}
-- ### ok ["942e1e2a66a427b6551732f758bc314f22b9cdec9365a3425c9184de299392b5", "😀"]
