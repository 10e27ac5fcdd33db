-- attacks: std.base64.decode of a 96 MiB string, results kept
-- ### limit "memory"
local s = string.rep("QUJD", 24 * 1024 * 1024)
local keep = {}
for i = 1, 8 do keep[i] = std.base64.decode(s) end
return #keep
