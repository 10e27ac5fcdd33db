-- attacks: select with a huge negative index
-- ### runtime
return select(-2^31, 1, 2, 3)
