-- attacks: repeat ... until false
-- ### limit "steps"|"timeout"|"cpu"
repeat local x = 1 until false
