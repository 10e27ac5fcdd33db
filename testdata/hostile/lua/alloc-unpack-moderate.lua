-- attacks: unpack of 10 million values onto the stack
-- ### runtime | limit "memory" | limit "steps"|"timeout"|"cpu"
return select("#", unpack({}, 1, 1e7))
