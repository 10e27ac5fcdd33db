-- attacks: a %b pattern over 1 MiB of unbalanced brackets, from every start
-- ### limit "steps"|"timeout"|"cpu"
return string.find(("("):rep(2^20), "%b()")
