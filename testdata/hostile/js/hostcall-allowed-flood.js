// attacks: floods an allowed host call
// ### limit "hostCalls"
// policy: allow-all.policy.yaml
for (;;) host.kv.get("k");
