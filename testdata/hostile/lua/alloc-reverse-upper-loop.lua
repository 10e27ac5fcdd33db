-- attacks: reverse and upper of a growing string
-- ### limit "memory"
-- budget: steps=1000000000 timeout=3s cpu=3s
-- bound: 5s
local s = ("ab"):rep(1000)
while true do s = s:reverse() .. s:upper() end
