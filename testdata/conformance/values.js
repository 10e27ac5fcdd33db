// Conformance: values crossing between script and host (see
// engine/enginetest). Every type both ways, and the limits of conversion.
// @name input scalars
// @input {"n": 3, "f": 2.5, "s": "héllo ✓", "t": true, "z": null}
host.assert.eq(typeof input.n, "number")
host.assert.eq(input.s, "héllo ✓")
host.assert.ok(input.z === null, "null is null")
return [input.n + 1, input.f * 2, input.s, input.t, !input.t]
// ### ok [4, 5, "héllo ✓", true, false]
// ---
// @name input containers
// @input {"l": [1, "two", [3]], "m": {"k": "v", "nested": {"x": [true, 2.5]}}}
host.assert.eq(input.l[2][0], 3)
host.assert.eq(input.m.nested.x[1], 2.5)
return input
// ### ok {"l": [1, "two", [3]], "m": {"k": "v", "nested": {"x": [true, 2.5]}}}
// ---
// @name null in input lists and maps
// @input {"l": [1, null, 3], "m": {"a": null, "b": 2}}
host.assert.ok(input.l[1] == null, "list item")
host.assert.ok(input.m.a == null, "map value")
return [input.l[2], input.m.b]
// ### ok [3, 2]
// ---
// @name return scalars
return [true, false, 0, -0, 42, -7, 1.5, 3.0, 2 ** 53, 2 ** 60, "x", ""]
// ### ok [true, false, 0, 0, 42, -7, 1.5, 3, 9007199254740992, 1152921504606846976, "x", ""]
// ---
// @name return null
return null
// ### ok null
// ---
// @name return nested
return {a: 1, b: {c: [1, {d: "e"}]}, s: "ü"}
// ### ok {"a": 1, "b": {"c": [1, {"d": "e"}]}, "s": "ü"}
// ---
// @name empty list
return []
// ### ok []
// ---
// @name empty containers to the host
return host.t.kind([], {})
// ### ok ["list", "map"]
// ---
// @name values to the host and back
const v = {a: [1, 2.5, "x", true], b: {c: "d"}, u: "😀"}
host.assert.eq(host.t.echo(v), v)
return host.t.echo(v)
// ### ok {"a": [1, 2.5, "x", true], "b": {"c": "d"}, "u": "😀"}
// ---
// @name host values are copies
const a = [1]
host.kv.set("k", a)
a.push(2)
const b = host.kv.get("k")
b.push(3)
return [a, b, host.kv.get("k")]
// ### ok [[1, 2], [1, 3], [1]]
// ---
// @name bytes both ways
const r = host.crypto.random_bytes(4)
host.assert.ok(r instanceof Uint8Array, "bytes arrive as a Uint8Array")
host.assert.eq(r.length, 4)
return [host.crypto.sha256("abc"), host.crypto.sha256(new Uint8Array([97, 98, 99]))]
// ### ok ["ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"]
// ---
// @name whole numbers are ints
return host.t.typed("s", 3.0)
// ### ok {"s": "s", "n": 3}
// ---
// @name a fraction is not an int
host.t.typed("s", 2.5)
// ### error runtime "t.typed: param n: want int, got number (not a whole number)" at "values.js:72"
// ---
// @name argument nested too deep
let deep = []
for (let i = 0; i < 100; i++) deep = [deep]
host.t.echo(deep)
// ### error runtime "t.echo: param value: at $[0][0]" at "values.js:78"
// ---
// @name result nested too deep
let deep = []
for (let i = 0; i < 100; i++) deep = [deep]
return deep
// ### error output "nested deeper than 64 levels"
// ---
// @name argument too large
host.t.echo("x".repeat(2 << 20))
// ### error runtime "t.echo: param value: larger than the limit of 1048576 bytes" at "values.js:88"
// ---
// @name argument with a cycle
const a = [1]
a.push(a)
host.t.echo(a)
// ### error runtime "t.echo: param value: at $[1]: the" at "values.js:94"
// ---
// @name result with a cycle
const a = {x: 1}
a.self = a
return a
// ### error output "at $.self: the"
// ---
// @name function argument
host.t.echo(function () { return 1 })
// ### error runtime "t.echo: param value: a function cannot cross to the host"
// ---
// @name function in the result
return {f: function () { return 1 }}
// ### error output "at $.f: a function cannot cross to the host"
// ---
// @name NaN argument
host.t.echo(0 / 0)
// ### error runtime "t.echo: param value: number is not finite"
// ---
// @name infinite result
return [1 / 0]
// ### error output "at $[0]: number is not finite"
// ---
// @name conversion errors are catchable
let n = 0
for (const bad of [function () {}, 0 / 0]) {
  try {
    host.t.echo(bad)
  } catch (e) {
    n++
  }
}
return n
// ### ok 2
// ---
// @name input too large
// @budget input=50
// @input {"s": "0123456789012345678901234567890123456789012345678901234567890123456789"}
return 1
// ### limit "input"
// ---
// @name input nested too deep
// @input [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]
return 1
// ### error input "nested deeper than 64 levels"
// ---
// @name a result string that is not text
// JS strings are UTF-16: a lone surrogate has no UTF-8 form.
return {ok: "fine", s: "a\uD800b"}
// ### error output "at $.s: a string with a lone surrogate (\\ud800 at index 1) cannot cross to the host"
// ---
// @name an argument string that is not text
host.t.echo(["x", "\uDC00"])
// ### error runtime "t.echo: param value: at $[1]: a string with a lone surrogate"
// ---
// @name a map key that is not text
return {["k\uD800"]: 1}
// ### error output "a key with a lone surrogate cannot cross to the host"
// ---
// @name a log line that is not text
console.log("ok", "\uD800")
// ### error runtime "console.log: argument 2 has a lone surrogate"
// ---
// @name binary data to a bytes parameter
// JS passes binary data as a Uint8Array; surrogate pairs are text.
return [host.crypto.sha256(new Uint8Array([255, 0, 1])), host.t.echo("\uD83D\uDE00")]
// ### ok ["942e1e2a66a427b6551732f758bc314f22b9cdec9365a3425c9184de299392b5", "😀"]
