-- attacks: native table.sort of 2M numbers: the sort must charge steps (the
--   budget leaves ~1.5M steps after building the table)
-- ### limit "steps"|"timeout"|"cpu"
-- budget: steps=12000000 memory=1GiB timeout=10s cpu=10s
-- bound: 5s
local t = {}
for i = 1, 2^21 do t[i] = (i * 7919) % 1000003 end
table.sort(t)
return #t
