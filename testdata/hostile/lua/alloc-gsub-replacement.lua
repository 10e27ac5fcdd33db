-- attacks: gsub replacing each character of 1 MiB with 1000 bytes
-- ### runtime | limit "memory"
-- budget: steps=1000000000 timeout=3s cpu=3s
-- bound: 5s
return #(("x"):rep(2^20):gsub("x", ("y"):rep(1000)))
