-- attacks: gsub with an empty pattern, in a loop, doubling
-- ### limit "memory" | runtime
-- budget: steps=1000000000 timeout=3s cpu=3s
-- bound: 5s
local s = "x"
while true do s = s:gsub("", "y") end
