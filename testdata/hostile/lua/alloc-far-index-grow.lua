-- attacks: array part grown by assigning far indices one after another
-- ### runtime | limit "memory" | ok 1
-- budget: timeout=30s cpu=30s
-- bound: 5s
local t = {}
for i = 1, 26 do t[2^i - 1] = 1 end
t[#t + 1] = 1
return 1
