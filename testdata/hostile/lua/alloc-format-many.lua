-- attacks: string.format with a 1 MiB format of %s directives
-- ### runtime | limit "memory" | limit "steps"|"timeout"|"cpu"|"memory"
-- budget: timeout=10s cpu=10s
-- bound: 5s
local s = ("x"):rep(2^20)
return #string.format(("%s"):rep(2^17), unpack({}, 1, 2^17))
