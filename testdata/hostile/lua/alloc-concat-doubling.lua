-- attacks: s = s .. s
-- ### limit "memory"
-- budget: steps=1000000000 timeout=3s cpu=3s
-- bound: 5s
local s = "x"
while true do s = s .. s end
