-- attacks: a __tostring that calls tostring on itself, through the native
--   tostring
-- ### limit "stackDepth" | runtime
local t
t = setmetatable({}, {__tostring = function(s) return tostring(s) end})
return tostring(t)
