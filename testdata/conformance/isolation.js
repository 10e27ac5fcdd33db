// Conformance: no state survives a run. Each chunk runs three times in a
// fresh host; the first lines check that the previous run's changes are gone.
// @name globals
// @runs 3
host.assert.eq(typeof globalThis.leak, "undefined", "global from the last run")
host.assert.eq(typeof leak2, "undefined", "implicit global from the last run")
globalThis.leak = 1
leak2 = 2
var leak3 = 3
return "clean"
// ### ok "clean"
// ---
// @name built-in prototypes and libraries
// @runs 3
host.assert.eq(Array.prototype.leak, undefined, "Array.prototype")
host.assert.eq(Object.prototype.leak, undefined, "Object.prototype")
host.assert.eq("a".toUpperCase(), "A", "String.prototype.toUpperCase")
host.assert.eq(Math.max(1, 2), 2, "Math.max")
host.assert.eq(JSON.stringify([1]), "[1]", "JSON.stringify")
Array.prototype.leak = 1
Object.prototype.leak = 1
String.prototype.toUpperCase = function () { return "tampered" }
Math.max = function () { return -1 }
JSON.stringify = function () { return "tampered" }
return "clean"
// ### ok "clean"
// ---
// @name frozen globals
// @runs 3
globalThis.fresh = 1
host.assert.eq(fresh, 1, "a new global can be set")
Object.freeze(Object.prototype)
Object.freeze(globalThis)
return "clean"
// ### ok "clean"
// ---
// @name host object
// @runs 3
host.assert.eq(host.t.echo(1), 1, "host.t.echo")
try { host.t.echo = function () { return 2 } } catch (e) {}
try { host.t = {} } catch (e) {}
return "clean"
// ### ok "clean"
// ---
// @name input is a private copy
// @runs 3
// @input {"a": 1, "l": [1]}
host.assert.eq(input.a, 1, "input.a")
host.assert.eq(input.l.length, 1, "input.l")
input.a = 2
input.l.push(2)
return "clean"
// ### ok "clean"
