-- attacks: a run whose result contains itself
-- ### output | limit "output"
local t = {}
t.self = t
return t
