-- attacks: an error object whose __tostring returns 1 GiB
-- ### runtime | limit "memory" | limit "steps"|"timeout"|"cpu"
error(setmetatable({}, {__tostring = function() return ("x"):rep(2^30) end}))
