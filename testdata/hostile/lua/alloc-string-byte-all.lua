-- attacks: string.byte of a whole 16 MiB string: 16M values onto the stack
-- ### runtime | limit "memory" | limit "steps"|"timeout"|"cpu"
-- budget: timeout=10s cpu=10s
-- bound: 5s
local s = ("x"):rep(2^24)
return select("#", s:byte(1, -1))
