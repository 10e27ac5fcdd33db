-- attacks: load of source text
-- ### runtime
return load("return 1")()
