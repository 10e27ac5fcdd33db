-- attacks: unpack of a huge range (a Go panic, "registry overflow", today)
-- ### runtime | limit "memory" | limit "steps"|"timeout"|"cpu"
-- budget: timeout=10s cpu=10s
-- bound: 5s
return select("#", (table.unpack or unpack)({}, 1, 2^31))
