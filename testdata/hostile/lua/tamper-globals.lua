-- attacks: replaces and erases globals through _G and rawset (must not leak
--   into the next run)
-- ### ok 1
rawset(_G, "tostring", function() while true do end end)
rawset(_G, "type", nil)
setmetatable(_G, {__index = function() while true do end end, __newindex = function() while true do end end})
rawset(_G, "host", nil)
return 1
