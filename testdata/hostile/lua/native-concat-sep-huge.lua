-- attacks: table.concat of a million small strings with a 1 KiB separator
-- ### runtime | limit "memory"
-- budget: steps=1000000000 timeout=10s cpu=5s
-- bound: 10s
local t = {}
for i = 1, 1e6 do t[i] = "a" end
return #table.concat(t, ("s"):rep(1024))
