-- Conformance: what a script gets without any capability: its identity
-- and the small standard library (JS: web names; Lua: std).
-- @name identity
-- @tenant acme
-- @labels plan=pro env=prod
-- @policy none
return {script.name, script.lang, #script.sha256, script.tenant, script.labels.plan, script.labels.env}
-- ### ok ["stdlib.lua", "lua", 64, "acme", "pro", "prod"]
-- ---
-- @name identity is read-only
-- @tenant acme
-- @policy none
local errs = {}
for _, f in ipairs({function() script.tenant = "evil" end, function() script.labels.plan = "x" end, function() setmetatable(script, {}) end}) do
  local ok = pcall(f)
  errs[#errs + 1] = ok and "no error" or "error"
end
return {errs, script.tenant, getmetatable(script)}
-- ### ok [["error", "error", "error"], "acme", "locked"]
-- ---
-- @name identity without a tenant
-- @policy none
return {script.tenant, next(script.labels) == nil}
-- ### ok ["", true]
-- ---
-- @name base64 round trip
-- @policy none
local s = "hello, wörld"
local b = std.base64.encode(s)
return {b, std.base64.decode(b), std.base64.decode(" aGk = ")}
-- ### ok ["aGVsbG8sIHfDtnJsZA==", "hello, wörld", "hi"]
-- ---
-- @name base64 invalid
-- @policy none
local v, err = std.base64.decode("a===")
error(err)
-- ### error runtime "std.base64.decode: invalid base64"
-- ---
-- @name hex round trip
-- @policy none
local hex = std.hex.encode("hi!")
return {hex, std.hex.decode(hex)}
-- ### ok ["686921", "hi!"]
-- ---
-- @name crypto hex to base64
-- @policy default
local h = host.crypto.sha256("abc")
return std.base64.encode(std.hex.decode(h))
-- ### ok "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="
-- ---
-- @name utf8 round trip
-- @policy none
local s = std.utf8.encode(104, 8364, 0x1F600)
return {#s, std.utf8.len(s), std.utf8.decode(s)}
-- ### ok [8, 3, [104, 8364, 128512]]
-- ---
-- @name utf8 invalid with fatal
-- @policy none
local v, err = std.utf8.decode("\195")
error(err)
-- ### error runtime "std.utf8.decode: invalid UTF-8 at byte 1"
-- ---
-- @name url parse
-- @policy none
local u = std.url.parse("HTTPS://Api.Partner.Example:443/v1/orders?since=0&since=1&a=x+y#top")
return {u.href, u.scheme, u.host, u.port, u.path, u.query.since, {u.params[1][2], u.params[2][2]}, u.query.a, u.fragment}
-- ### ok ["https://api.partner.example/v1/orders?since=0&since=1&a=x+y#top", "https", "api.partner.example", 443, "/v1/orders", "0", ["0", "1"], "x y", "top"]
-- ---
-- @name url refused as the policy refuses it
-- @policy none
local u, err = std.url.parse("https://api.partner.example@evil.example/")
error(err)
-- ### error runtime "userinfo (user@host) not allowed"
-- ---
-- @name url too long
-- @policy none
local u, err = std.url.parse("https://" .. string.rep("a", 2 ^ 20) .. ".example/")
error(err)
-- ### error runtime "url: longer than 8192 bytes"
-- ---
-- @name library is pristine in every run
-- @policy none
-- @runs 2
local before = type(std.base64.decode("")) .. type(std.url.parse)
std.url.parse = nil
std.base64 = {decode = function() return 1 end}
return before
-- ### ok "stringfunction"
