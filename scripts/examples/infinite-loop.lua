-- infinite-loop: a script that never ends. The step budget stops it (here
-- 100000 VM instructions, from infinite-loop.args; the default is 100000000),
-- with exit code 3 and error kind "limit", limit "steps". pcall cannot keep
-- it alive: after the budget is gone, pcall re-raises instead of returning
-- false. The Lua twin of infinite-loop.js.
--
--   scriptrun run --steps 100000 scripts/examples/infinite-loop.lua

local n = 0
local ok = pcall(function()
  while true do
    n = n + 1
  end
end)
while not ok do end -- not reached: a budget stop cannot be caught
return n
