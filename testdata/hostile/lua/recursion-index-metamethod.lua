-- attacks: an __index function that indexes its own table
-- ### limit "stackDepth" | runtime
local t
t = setmetatable({}, {__index = function(s, k) return s[k] end})
return t.x
