-- attacks: gsub replacing each character of 1 MiB with 1000 bytes
-- ### runtime | limit "memory"
-- budget: steps=1000000000 timeout=10s cpu=5s
-- bound: 10s
return #(("x"):rep(2^20):gsub("x", ("y"):rep(1000)))
