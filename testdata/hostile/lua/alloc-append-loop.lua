-- attacks: an array grown by t[#t+1] in a loop
-- ### limit "memory"
-- budget: steps=1000000000 timeout=3s cpu=3s
-- bound: 5s
local t = {}
while true do t[#t + 1] = 1 end
