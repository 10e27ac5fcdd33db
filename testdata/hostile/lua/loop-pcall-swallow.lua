-- attacks: a tight loop inside pcall inside a loop: a catchable stop would be
--   retried forever
-- ### limit "steps"|"timeout"|"cpu"
while true do
  pcall(function() while true do end end)
end
