-- attacks: an error object whose __tostring loops: the host converts it after
--   the run
-- ### limit "steps"|"timeout"|"cpu" | runtime
error(setmetatable({}, {__tostring = function() while true do end end}))
