-- denied: a clean-up script that tries to delete keys. The policy
-- (denied.policy.yaml) allows kv.* on the tenant's keys but denies
-- kv.delete, so the run ends at the first delete with exit code 4. The Lua
-- twin of denied.js.

local sessions = host.kv.list("acme:session:") -- allowed by rule tenant-kv
for _, key in ipairs(sessions) do
  host.kv.delete(key) -- denied by rule no-deletes: the run stops here
end
return { deleted = #sessions } -- never reached
