// attacks: floods catchable denials, catching every one
// ### limit "hostCalls"
// policy: catchable-deny.policy.yaml
for (;;) { try { host.kv.get("k"); } catch (e) {} }
