-- attacks: gsub with a backtracking pattern
-- ### limit "steps"|"timeout"|"cpu"
return (("a"):rep(1e4):gsub(("a*"):rep(50) .. "b", ""))
