-- attacks: loadstring of source text
-- ### runtime
return loadstring("return 1")()
