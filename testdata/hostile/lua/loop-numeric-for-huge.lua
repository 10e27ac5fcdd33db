-- attacks: a numeric for over 2^53 iterations
-- ### limit "steps"|"timeout"|"cpu"
local n = 0
for i = 1, 2^53 do n = n + 1 end
return n
