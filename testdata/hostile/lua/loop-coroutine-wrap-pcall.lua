-- attacks: a coroutine.wrap function that loops, called under pcall in a loop
-- ### limit "steps"|"timeout"|"cpu"
while true do
  pcall(coroutine.wrap(function() while true do end end))
end
