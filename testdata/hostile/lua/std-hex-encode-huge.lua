-- attacks: std.hex.encode doubling a string until over the limits
-- ### limit "memory"
local s = string.rep("x", 1024 * 1024)
for i = 1, 30 do s = std.hex.encode(s) end
return #s
