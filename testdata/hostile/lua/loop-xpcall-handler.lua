-- attacks: a tight loop inside an xpcall message handler
-- ### limit "steps"|"timeout"|"cpu"
xpcall(function() error("x") end, function() while true do end end)
