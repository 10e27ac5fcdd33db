-- attacks: replaces tostring, then prints: print must not call the replaced
--   global
-- ### limit "steps"|"timeout"|"cpu" | ok 1
tostring = function() while true do end end
print(1, "x", {})
return 1
