-- attacks: a .. chain of many operands in one expression, doubling
-- ### limit "memory"
-- budget: steps=1000000000 timeout=3s cpu=3s
-- bound: 5s
local s = "xy"
while true do s = s .. s .. s .. s end
