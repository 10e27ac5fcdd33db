-- attacks: tampering with std, script and the string library, then using them
-- ### ok ["aGk=", "hi", "https://a.example/?x=1", "acme?", "locked"]
string.format = nil
string.rep = nil
table.concat = nil
setmetatable(_G, {__index = function() error("global lookup") end})
local ok = pcall(function() rawset(script, "tenant", "mine") end)
local b64 = std.base64.encode("hi")
std.base64 = nil
local u = std.url.parse("https://a.example/?x=1")
return {b64, std.hex.decode("6869"), u.href, "acme?", getmetatable(script)}
