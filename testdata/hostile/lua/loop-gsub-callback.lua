-- attacks: a tight loop inside a gsub callback, called from the native
--   matcher
-- ### limit "steps"|"timeout"|"cpu"
return (("a"):rep(100):gsub("a", function() while true do end end))
