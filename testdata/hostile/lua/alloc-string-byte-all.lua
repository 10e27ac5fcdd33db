-- attacks: string.byte of a whole 16 MiB string: 16M values onto the stack
-- ### runtime | limit "memory" | limit "steps"|"timeout"|"cpu"
local s = ("x"):rep(2^24)
return select("#", s:byte(1, -1))
