-- Conformance: with a fixed seed and clock, a run repeats exactly. Each
-- chunk runs twice; both runs must give the same value.
-- @name seeded random numbers
-- @seed 42
-- @runs 2
local r = {math.random(), math.random(), math.random()}
for _, x in ipairs(r) do host.assert.ok(x >= 0 and x < 1, "in [0, 1)") end
host.assert.ok(r[1] ~= r[2], "not constant")
return r
-- ### ok
-- ---
-- @name seeded random integers
-- @seed 7
-- @runs 2
local r = {}
for i = 1, 10 do r[i] = math.random(6) end
return r
-- ### ok
-- ---
-- @name script clock
-- @now 2000-01-01T00:00:00Z
-- @runs 2
-- Lua scripts have no clock: os is closed, so this fails (see SKIP).
return {os.time() * 1000, os.date("!%Y-%m-%dT%H:%M:%S.000Z")}
-- ### ok [946684800000, "2000-01-01T00:00:00.000Z"]
-- ---
-- @name host clock
-- @now 2000-01-01T00:00:00Z
-- @runs 2
return host.t.now()
-- ### ok "2000-01-01T00:00:00Z"
-- ---
-- @name crypto random bytes from the seed
-- @seed 42
-- @runs 2
return {host.crypto.random_hex(8), host.crypto.random_hex(8)}
-- ### ok
-- ---
-- @name key order
-- @runs 2
local t = {}
for _, k in ipairs({"b", "a", "c", "aa"}) do t[k] = k end
local keys = {}
for k in pairs(t) do keys[#keys + 1] = k end
return keys
-- ### ok
