-- attacks: table.concat of 1000 references to one 1 MiB string
-- ### runtime | limit "memory"
-- budget: steps=1000000000 timeout=3s cpu=3s
-- bound: 5s
local s, t = ("x"):rep(2^20), {}
for i = 1, 1000 do t[i] = s end
return #table.concat(t)
