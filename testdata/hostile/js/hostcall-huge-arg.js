// attacks: a 64 MiB argument to an allowed host call
// ### limit "output"|"memory" | runtime
// budget: memory=256MiB
// policy: allow-all.policy.yaml
return host.kv.set("k", "x".repeat(2 ** 26));
