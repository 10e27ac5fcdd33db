-- attacks: native table.sort of 4M numbers
-- ### limit "steps"|"timeout"|"cpu"|"memory"
-- budget: steps=1000000000
local t = {}
for i = 1, 2^22 do t[i] = -i end
table.sort(t)
return #t
