-- attacks: a cyclic argument to an allowed host call
-- ### runtime | limit "output"
-- policy: allow-all.policy.yaml
local t = {}
t[1] = t
return host.kv.set("k", t)
