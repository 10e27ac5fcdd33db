-- attacks: pcall around a loop, rethrowing a different error to mask the stop
-- ### limit "steps"|"timeout"|"cpu"
while true do
  local ok, err = pcall(function() while true do end end)
  pcall(error, "masked: " .. tostring(err))
end
