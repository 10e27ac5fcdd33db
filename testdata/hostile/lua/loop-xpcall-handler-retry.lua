-- attacks: an xpcall whose handler restarts the loop that was stopped
-- ### limit "steps"|"timeout"|"cpu"
local function spin() while true do end end
while true do
  xpcall(spin, function() return xpcall(spin, spin) end)
end
