-- attacks: a pattern with 100,000 nested parentheses (too many captures)
-- ### runtime | limit "steps"|"timeout"|"cpu"
-- process: limit "memory"
-- budget: timeout=10s cpu=10s
-- bound: 5s
return string.find("a", ("("):rep(1e5) .. "a" .. (")"):rep(1e5))
