-- attacks: coroutines kept in a table: each is a whole Lua state
-- ### limit "memory" | runtime
-- budget: steps=1000000000 timeout=3s cpu=3s
-- bound: 5s
local t = {}
while true do t[#t + 1] = coroutine.create(function() end) end
