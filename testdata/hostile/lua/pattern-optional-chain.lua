-- attacks: a pattern of 100,000 optional items against 100,000 characters
-- ### runtime | limit "steps"|"timeout"|"cpu"
-- process: limit "memory"
return string.find(("a"):rep(1e5), ("a?"):rep(1e5) .. ("a"):rep(1e5))
