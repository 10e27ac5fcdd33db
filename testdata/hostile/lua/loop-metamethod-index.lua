-- attacks: a tight loop inside an __index metamethod
-- ### limit "steps"|"timeout"|"cpu"
local t = setmetatable({}, {__index = function() while true do end end})
return t.x
