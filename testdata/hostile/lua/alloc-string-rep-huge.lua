-- attacks: string.rep to 2^40 bytes
-- ### runtime | limit "memory"
return #string.rep("x", 2^40)
