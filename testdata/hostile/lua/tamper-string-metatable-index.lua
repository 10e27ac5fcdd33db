-- attacks: replaces the string metatable's __index with a function that loops
-- ### limit "steps"|"timeout"|"cpu"
getmetatable("").__index = function() while true do end end
return ("x"):len()
