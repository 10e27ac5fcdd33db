-- attacks: resuming a coroutine whose function yielded in a tail call
--   (upstream gopher-lua dereferenced the removed frame: a Go nil pointer
--   panic whose text reached the script)
-- ### ok [true, 1, true, 7, "dead", 9]
local co = coroutine.create(function() return coroutine.yield(1) end)
local a, b = coroutine.resume(co)
local c, d = coroutine.resume(co, 7)
local w = coroutine.wrap(function() return coroutine.yield() end)
w()
return {a, b, c, d, coroutine.status(co), w(9)}
