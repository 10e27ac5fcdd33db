-- attacks: std.url.parse with a 1 MiB host, in a loop (refused before any work)
-- ### ok 2000
local u = "https://" .. string.rep("a", 1024 * 1024) .. ".example/"
local n = 0
for i = 1, 2000 do
  local v, err = std.url.parse(u)
  if v == nil and string.find(err, "longer than", 1, true) then n = n + 1 end
end
return n
