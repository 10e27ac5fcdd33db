-- attacks: an error whose message is 128 MiB
-- ### runtime | limit "memory"
error(("x"):rep(2^27))
