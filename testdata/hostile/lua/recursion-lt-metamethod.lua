-- attacks: an __lt that compares itself
-- ### limit "stackDepth" | runtime
local mt = {}
mt.__lt = function(a, b) return a < b end
return setmetatable({}, mt) < setmetatable({}, mt)
