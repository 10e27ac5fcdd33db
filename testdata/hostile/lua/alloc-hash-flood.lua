-- attacks: a table flooded with string keys
-- ### limit "memory"
-- budget: steps=1000000000 timeout=3s cpu=3s
-- bound: 5s
local t, i = {}, 0
while true do i = i + 1; t["k" .. i] = i end
