-- attacks: an array grown by t[#t+1] in a loop
-- ### limit "memory"
-- budget: steps=1000000000 timeout=10s cpu=10s
-- bound: 12s
local t = {}
while true do t[#t + 1] = 1 end
