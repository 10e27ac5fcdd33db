-- tenant-kv: count a page view in the tenant's kv store and report the
-- tenant's counters. Run as tenant "acme" (tenant-kv.args) under
-- tenant-kv.policy.yaml, with tenant-kv.kv.json as the store. The Lua twin
-- of tenant-kv.js.

local prefix = "acme:views:"
local key = prefix .. input.path
local views = (host.kv.get(key) or 0) + 1
host.kv.set(key, views)

local totals = {}
for _, k in ipairs(host.kv.list(prefix)) do
  totals[k:sub(#prefix + 1)] = host.kv.get(k)
end

-- Another tenant's keys are out of reach. The policy sets
-- catchableDenials, so the denial is an error pcall can catch.
local otherTenant = "readable"
if not pcall(host.kv.get, "globex:views:/pricing") then
  otherTenant = "denied"
end

return { path = input.path, views = views, totals = totals, otherTenant = otherTenant }
