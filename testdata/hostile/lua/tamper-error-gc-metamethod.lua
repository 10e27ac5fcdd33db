-- attacks: an error object with a __gc metamethod that loops
-- ### runtime | limit "steps"|"timeout"|"cpu"
error(setmetatable({}, {__gc = function() while true do end end, __tostring = function() return "boom" end}))
