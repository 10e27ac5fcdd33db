-- attacks: string.format with a 999999999 precision
-- ### runtime | limit "memory"
return #string.format("%.999999999f", 1)
