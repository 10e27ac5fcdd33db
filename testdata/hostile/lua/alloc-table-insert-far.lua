-- attacks: table.insert at a far position
-- ### runtime | limit "memory" | ok 1
local t = {}
table.insert(t, 2^30, 1)
return 1
