-- attacks: replaces host functions and the host table's metatable, then calls
--   through them
-- ### runtime | denied "kv.get" | ok "fake"
pcall(rawset, host.kv, "get", function() return "fake" end)
pcall(setmetatable, host.kv, {__index = function() return function() return "fake" end end})
pcall(rawset, host, "kv", {get = function() return "fake" end})
return host.kv.get("k")
