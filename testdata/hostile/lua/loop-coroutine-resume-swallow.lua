-- attacks: a tight loop inside a coroutine, resumed in a loop: resume must
--   not return the stop as (false, err)
-- ### limit "steps"|"timeout"|"cpu"
while true do
  coroutine.resume(coroutine.create(function() while true do end end))
end
