-- attacks: math.random over a range wider than int64 (a Go panic text today)
-- ### runtime | ok "number"
return type(math.random(-2^62, 2^62))
