-- attacks: a chain of __tostring metamethods 100,000 deep
-- ### limit "stackDepth" | runtime
-- process: limit "memory"
-- budget: timeout=10s cpu=3s
-- bound: 10s
local function wrap(inner) return setmetatable({}, {__tostring = function() return tostring(inner) end}) end
local t = "x"
for i = 1, 1e5 do t = wrap(t) end
return tostring(t)
