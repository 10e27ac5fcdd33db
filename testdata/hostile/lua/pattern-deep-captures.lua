-- attacks: a pattern with 100,000 nested parentheses (too many captures)
-- ### runtime | limit "steps"|"timeout"|"cpu"
return string.find("a", ("("):rep(1e5) .. "a" .. (")"):rep(1e5))
