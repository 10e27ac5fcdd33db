-- attacks: print of an object whose __tostring returns 64 MiB
-- ### limit "logs"|"memory" | runtime
-- budget: memory=256MiB timeout=5s cpu=5s
-- bound: 8s
print(setmetatable({}, {__tostring = function() return ("x"):rep(2^26) end}))
