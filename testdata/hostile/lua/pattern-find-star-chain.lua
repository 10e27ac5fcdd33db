-- attacks: string.find(("a"):rep(1e5), ("a*"):rep(100).."b"): a backtracking
--   Lua pattern (never stops today)
-- ### limit "steps"|"timeout"|"cpu"
return string.find(("a"):rep(1e5), ("a*"):rep(100) .. "b")
