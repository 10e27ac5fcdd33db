-- attacks: string.rep to 1 GiB with a separator
-- ### runtime | limit "memory"
return #string.rep("x", 2^28, "yyy")
