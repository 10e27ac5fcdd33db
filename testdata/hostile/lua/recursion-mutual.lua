-- attacks: unbounded mutual recursion
-- ### limit "stackDepth" | runtime
local a, b
function a() return 1 + b() end
function b() return 1 + a() end
return a()
