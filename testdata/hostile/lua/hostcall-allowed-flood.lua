-- attacks: floods an allowed host call
-- ### limit "hostCalls"
-- policy: allow-all.policy.yaml
while true do host.kv.get("k") end
