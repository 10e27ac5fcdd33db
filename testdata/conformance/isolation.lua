-- Conformance: no state survives a run. Each chunk runs three times in a
-- fresh host; the first lines check that the previous run's changes are gone.
-- @name globals
-- @runs 3
host.assert.eq(type(leak), "nil", "global from the last run")
host.assert.eq(type(rawget(_G, "leak2")), "nil", "rawset global from the last run")
leak = 1
rawset(_G, "leak2", 2)
_G.leak3 = 3
return "clean"
-- ### ok "clean"
-- ---
-- @name built-in prototypes and libraries
-- @runs 3
host.assert.eq(("a"):upper(), "A", "string metatable")
host.assert.eq(type(string.lower), "function", "string.lower")
host.assert.eq(type(table.insert), "function", "table.insert")
host.assert.eq(math.max(1, 2), 2, "math.max")
host.assert.eq(type(getmetatable("").__index.leak), "nil", "string metatable's index")
getmetatable("").__index.upper = function() return "tampered" end
getmetatable("").__index.leak = 1
string.lower = nil
table.insert = nil
math.max = function() return -1 end
return "clean"
-- ### ok "clean"
-- ---
-- @name frozen globals
-- @runs 3
fresh = 1
host.assert.eq(fresh, 1, "a new global can be set")
host.assert.ok(getmetatable(_G) == nil, "_G has no metatable")
setmetatable(_G, {__newindex = function() error("frozen") end, __index = function() return "leak" end})
return "clean"
-- ### ok "clean"
-- ---
-- @name host object
-- @runs 3
host.assert.eq(host.t.echo(1), 1, "host.t.echo")
host.t.echo = function() return 2 end
host.t = {}
return "clean"
-- ### ok "clean"
-- ---
-- @name input is a private copy
-- @runs 3
-- @input {"a": 1, "l": [1]}
host.assert.eq(input.a, 1, "input.a")
host.assert.eq(#input.l, 1, "input.l")
input.a = 2
table.insert(input.l, 2)
return "clean"
-- ### ok "clean"
