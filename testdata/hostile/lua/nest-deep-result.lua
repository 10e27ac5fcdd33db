-- attacks: a run whose result nests a million levels deep
-- ### output | limit "output"
-- budget: timeout=3s cpu=3s
-- bound: 5s
local t = {}
for i = 1, 1e6 do t = {t} end
return t
