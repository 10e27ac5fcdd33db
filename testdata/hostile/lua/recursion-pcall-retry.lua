-- attacks: recursion that catches the depth error and recurses again, twice
--   per level: exponential
-- ### limit "stackDepth"|"steps"|"timeout"|"cpu" | runtime
local function f() pcall(f) pcall(f) end
f()
