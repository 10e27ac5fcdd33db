-- attacks: yields from a __tostring called by the native print, inside a
--   coroutine
-- ### runtime | ok 1
local co = coroutine.wrap(function()
  print(setmetatable({}, {__tostring = function() coroutine.yield() return "x" end}))
end)
co()
return 1
