-- attacks: string.format with a 1 MiB format of %s directives
-- ### runtime | limit "memory" | limit "steps"|"timeout"|"cpu"|"memory"
local s = ("x"):rep(2^20)
return #string.format(("%s"):rep(2^17), unpack({}, 1, 2^17))
