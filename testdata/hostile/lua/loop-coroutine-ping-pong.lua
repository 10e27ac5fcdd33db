-- attacks: two coroutines resuming each other forever
-- ### limit "steps"|"timeout"|"cpu"
local co = coroutine.wrap(function() while true do coroutine.yield() end end)
while true do co() end
