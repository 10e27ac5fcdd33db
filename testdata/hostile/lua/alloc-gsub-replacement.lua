-- attacks: gsub replacing each character of 1 MiB with 1000 bytes
-- ### runtime | limit "memory"
return #(("x"):rep(2^20):gsub("x", ("y"):rep(1000)))
