-- attacks: replaces string methods through the string metatable (must not
--   leak into the next run)
-- ### ok "tampered"
local idx = getmetatable("").__index
idx.upper = function() return "tampered" end
idx.format = idx.upper
return ("x"):upper()
