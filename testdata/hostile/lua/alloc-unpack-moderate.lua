-- attacks: unpack of 10 million values onto the stack
-- ### runtime | limit "memory" | limit "steps"|"timeout"|"cpu"
-- budget: timeout=10s cpu=10s
-- bound: 5s
return select("#", unpack({}, 1, 1e7))
