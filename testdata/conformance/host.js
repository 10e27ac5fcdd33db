// Conformance: host functions. Errors, panics, deadlines, argument checks.
// @name modules the script sees
return Object.keys(host).sort()
// ### ok ["assert", "crypto", "kv", "t"]
// ---
// @name module error is a host error
host.t.fail()
// ### error host "t.fail: host function failed" at "host.js:7"
// ---
// @name module error hides the host's details
let msg = ""
try { host.t.fail() } catch (e) { msg = e.message }
host.assert.ok(msg.includes("t.fail: host function failed"), msg)
host.assert.ok(!msg.includes("10.0.0.1"), msg)
return "ok"
// ### ok "ok"
// ---
// @name module message reaches the script
let msg = ""
try { host.t.refuse("try later") } catch (e) { msg = e.message }
host.assert.ok(msg.includes("t.refuse: try later"), msg)
host.t.refuse("try later")
// ### error host "t.refuse: try later" at "host.js:22"
// ---
// @name panic is a host error
host.t.boom()
// ### error host "t.boom: host function failed" at "host.js:26"
// ---
// @name panic hides the host's details
let msg = ""
try { host.t.boom() } catch (e) { msg = e.message }
host.assert.ok(!msg.includes("secret") && !msg.includes(".go"), msg)
return host.t.echo("the host still works")
// ### ok "the host still works"
// ---
// @name value outside the model from the host
host.t.nan()
// ### error host "t.nan: returned a value outside the value model"
// ---
// @name live Go value from the host
host.t.bad()
// ### error host "t.bad: returned a value outside the value model"
// ---
// @name result too large from the host
// @budget input=1000
host.t.big(2000)
// ### error host "t.big: result: larger than the limit of 1000 bytes"
// ---
// @name deadline stops a blocking call
// @budget timeout=100ms
// @runs 5
host.t.wait()
// ### limit "timeout"
// ---
// @name deadline: catching the call does not help
// @budget timeout=100ms
// @runs 5
try { host.t.wait() } catch (e) {}
return "after the deadline"
// ### limit "timeout"
// ---
// @name wrong argument type names the param
host.t.typed(1)
// ### error runtime "t.typed: param s: want string, got int" at "host.js:63"
// ---
// @name missing argument names the param
host.t.typed()
// ### error runtime "t.typed: param s: is required"
// ---
// @name too many arguments
host.t.typed("a", 1, [], {}, 5)
// ### error runtime "t.typed: takes at most 4 arguments, got 5"
// ---
// @name wrong list and map params
let n = 0
try { host.t.typed("a", null, {}) } catch (e) { n++ }
try { host.t.typed("a", null, null, [1]) } catch (e) { n++ }
return n
// ### ok 2
// ---
// @name optional params
return [host.t.typed("a"), host.t.typed("a", null, [1]), host.t.typed("a", 2, [], {k: "v"})]
// ### ok [{"s": "a"}, {"s": "a", "l": [1]}, {"s": "a", "n": 2, "l": [], "m": {"k": "v"}}]
// ---
// @name unknown host function
host.t.nope()
// ### error runtime at "host.js:86"
// ---
// @name host functions see the run's tenant and clock
// @tenant acme
// @now 2001-02-03T04:05:06Z
return [host.t.tenant(), host.t.now()]
// ### ok ["acme", "2001-02-03T04:05:06Z"]
// ---
// @name kv module
host.kv.set("b", 2)
host.kv.set("a", {x: [1]})
const got = [host.kv.get("a"), host.kv.get("missing") === null, host.kv.list(), host.kv.delete("b"), host.kv.delete("b"), host.kv.list()]
return got
// ### ok [{"x": [1]}, true, ["a", "b"], true, false, ["a"]]
// ---
// @name crypto module
return [host.crypto.sha256(""), host.crypto.hmac_sha256("key", "The quick brown fox jumps over the lazy dog"), host.crypto.random_hex(4).length]
// ### ok ["e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8", 8]
