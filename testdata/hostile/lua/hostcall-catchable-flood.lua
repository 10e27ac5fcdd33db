-- attacks: floods catchable denials, catching every one
-- ### limit "hostCalls"
-- policy: catchable-deny.policy.yaml
while true do pcall(host.kv.get, "k") end
