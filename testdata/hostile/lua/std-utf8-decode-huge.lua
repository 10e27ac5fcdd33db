-- attacks: std.utf8.decode of 64 MiB into a table of code points
-- ### limit "memory"
local s = string.rep("a", 64 * 1024 * 1024)
return #std.utf8.decode(s)
