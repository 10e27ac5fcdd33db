-- attacks: a host call argument whose __tostring and __index loop
-- ### runtime | denied "kv.get" | limit "steps"|"timeout"|"cpu"
local t = setmetatable({}, {__tostring = function() while true do end end, __index = function() while true do end end})
return host.kv.get(t)
