-- attacks: gmatch over a 16 MiB string with a backtracking pattern
-- ### limit "steps"|"timeout"|"cpu"
local n = 0
for w in (("a "):rep(2^23)):gmatch("%a*.-%a*.-b") do n = n + 1 end
return n
