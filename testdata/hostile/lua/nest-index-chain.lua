-- attacks: a chain of 100,000 tables linked by __index
-- ### runtime | ok null
local t = {}
for i = 1, 1e5 do t = setmetatable({}, {__index = t}) end
return t.x
