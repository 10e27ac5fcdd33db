-- attacks: grows and rewrites its own input
-- ### ok [1,2,"x"]
-- input: {"a": [1, 2]}
input.a[3] = "x"
for i = 4, 1e5 do input.a[i] = i end
for i = 4, 1e5 do input.a[i] = nil end
return input.a
