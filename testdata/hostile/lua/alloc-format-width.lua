-- attacks: string.format with a 999999999 width
-- ### runtime | limit "memory"
return #string.format("%999999999d", 1)
