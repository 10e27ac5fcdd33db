-- attacks: string.char with a million arguments
-- ### runtime | limit "memory" | limit "steps"|"timeout"|"cpu" | ok 1000000
-- budget: steps=1000000000 timeout=30s cpu=30s
-- bound: 5s
local t = {}
for i = 1, 1e6 do t[i] = 65 end
return #string.char(unpack(t))
