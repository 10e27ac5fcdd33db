-- attacks: a __concat that concatenates itself
-- ### limit "stackDepth" | runtime
local t
t = setmetatable({}, {__concat = function(a, b) return a .. b end})
return t .. "x"
