-- attacks: the plainest tight loop
-- ### limit "steps"|"timeout"|"cpu"
while true do end
