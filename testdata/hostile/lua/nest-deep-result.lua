-- attacks: a run whose result nests a million levels deep
-- ### output | limit "output"
local t = {}
for i = 1, 1e6 do t = {t} end
return t
