-- attacks: a chain of lazy captures that must all backtrack
-- ### limit "steps"|"timeout"|"cpu"
return string.match(("a"):rep(5000), ("(.-)"):rep(30) .. "b")
