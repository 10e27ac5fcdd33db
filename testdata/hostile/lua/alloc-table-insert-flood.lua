-- attacks: table.insert in a loop
-- ### limit "memory"
-- budget: steps=1000000000 timeout=3s cpu=3s
-- bound: 5s
local t = {}
while true do table.insert(t, t) end
