-- attacks: a chain of 100,000 tables linked by __index
-- ### runtime | ok null
-- process: limit "memory"
-- budget: timeout=10s cpu=3s
-- bound: 10s
local t = {}
for i = 1, 1e5 do t = setmetatable({}, {__index = t}) end
return t.x
