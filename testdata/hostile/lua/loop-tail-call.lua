-- attacks: an endless chain of proper tail calls: no stack growth, no depth
--   limit
-- ### limit "steps"|"timeout"|"cpu"
local function f(n) return f(n + 1) end
return f(0)
