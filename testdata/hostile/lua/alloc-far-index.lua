-- attacks: t[67108863] = 1: one instruction that allocates gigabytes today
-- ### runtime | limit "memory" | ok 1
local t = {}
t[67108863] = 1
return t[67108863]
