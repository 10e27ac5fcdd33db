-- attacks: unbounded plain recursion
-- ### limit "stackDepth" | runtime
local function f() return 1 + f() end
return f()
