-- Conformance: host functions. Errors, panics, deadlines, argument checks.
-- @name modules the script sees
local names = {}
for k in pairs(host) do names[#names + 1] = k end
table.sort(names)
return names
-- ### ok ["assert", "crypto", "kv", "t"]
-- ---
-- @name module error is a host error
host.t.fail()
-- ### error host "t.fail: host function failed" at "host.lua:10"
-- ---
-- @name module error hides the host's details
local ok, msg = pcall(host.t.fail)
host.assert.ok(string.find(msg, "t.fail: host function failed", 1, true) ~= nil, msg)
host.assert.ok(string.find(msg, "10.0.0.1", 1, true) == nil, msg)
return "ok"
-- ### ok "ok"
-- ---
-- @name module message reaches the script
local ok, msg = pcall(host.t.refuse, "try later")
host.assert.ok(string.find(msg, "t.refuse: try later", 1, true) ~= nil, msg)
host.t.refuse("try later")
-- ### error host "t.refuse: try later" at "host.lua:23"
-- ---
-- @name panic is a host error
host.t.boom()
-- ### error host "t.boom: host function failed" at "host.lua:27"
-- ---
-- @name panic hides the host's details
local ok, msg = pcall(host.t.boom)
host.assert.ok(string.find(msg, "secret", 1, true) == nil and string.find(msg, ".go", 1, true) == nil, msg)
return host.t.echo("the host still works")
-- ### ok "the host still works"
-- ---
-- @name value outside the model from the host
host.t.nan()
-- ### error host "t.nan: returned a value outside the value model"
-- ---
-- @name live Go value from the host
host.t.bad()
-- ### error host "t.bad: returned a value outside the value model"
-- ---
-- @name result too large from the host
-- @budget input=1000
host.t.big(2000)
-- ### error host "t.big: result: larger than the limit of 1000 bytes"
-- ---
-- @name deadline stops a blocking call
-- @budget timeout=100ms
-- @runs 5
host.t.wait()
-- ### limit "timeout"
-- ---
-- @name deadline: catching the call does not help
-- @budget timeout=100ms
-- @runs 5
pcall(host.t.wait)
return "after the deadline"
-- ### limit "timeout"
-- ---
-- @name wrong argument type names the param
host.t.typed(1)
-- ### error runtime "t.typed: param s: want string, got int" at "host.lua:63"
-- ---
-- @name missing argument names the param
host.t.typed()
-- ### error runtime "t.typed: param s: is required"
-- ---
-- @name too many arguments
host.t.typed("a", 1, {}, {}, 5)
-- ### error runtime "t.typed: takes at most 4 arguments, got 5"
-- ---
-- @name wrong list and map params
local n = 0
if not pcall(host.t.typed, "a", nil, {k = 1}) then n = n + 1 end
if not pcall(host.t.typed, "a", nil, nil, {1}) then n = n + 1 end
return n
-- ### ok 2
-- ---
-- @name optional params
return {host.t.typed("a"), host.t.typed("a", nil, {1}), host.t.typed("a", 2, {}, {k = "v"})}
-- ### ok [{"s": "a"}, {"s": "a", "l": [1]}, {"s": "a", "n": 2, "l": [], "m": {"k": "v"}}]
-- ---
-- @name unknown host function
host.t.nope()
-- ### error runtime at "host.lua:86"
-- ---
-- @name host functions see the run's tenant and clock
-- @tenant acme
-- @now 2001-02-03T04:05:06Z
return {host.t.tenant(), host.t.now()}
-- ### ok ["acme", "2001-02-03T04:05:06Z"]
-- ---
-- @name kv module
host.kv.set("b", 2)
host.kv.set("a", {x = {1}})
local got = {host.kv.get("a"), host.kv.get("missing") == nil, host.kv.list(), host.kv.delete("b"), host.kv.delete("b"), host.kv.list()}
return got
-- ### ok [{"x": [1]}, true, ["a", "b"], true, false, ["a"]]
-- ---
-- @name crypto module
return {host.crypto.sha256(""), host.crypto.hmac_sha256("key", "The quick brown fox jumps over the lazy dog"), #host.crypto.random_hex(4)}
-- ### ok ["e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8", 8]
