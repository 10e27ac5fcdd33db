-- attacks: a run whose result nests a million levels deep
-- ### output | limit "output" | limit "memory"
-- budget: timeout=10s cpu=3s
-- bound: 10s
local t = {}
for i = 1, 1e6 do t = {t} end
return t
