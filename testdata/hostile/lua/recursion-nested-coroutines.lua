-- attacks: coroutines nested inside coroutines without end: each resume nests
--   on the Go stack
-- ### limit "stackDepth" | runtime | limit "memory"|"steps"|"timeout"|"cpu"
local function f() coroutine.wrap(f)() end
f()
