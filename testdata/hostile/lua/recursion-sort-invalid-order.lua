-- attacks: table.sort with an inconsistent comparator (Lua raises "invalid
--   order function")
-- ### runtime | ok 1000
local t = {}
for i = 1, 1000 do t[i] = i % 7 end
table.sort(t, function() return true end)
return #t
