// attacks: an argument nested 200,000 levels deep
// ### runtime | limit "output"
// process: limit "memory"
// budget: timeout=10s cpu=3s
// bound: 10s
// policy: allow-all.policy.yaml
let a = [];
for (let i = 0; i < 2e5; i++) a = [a];
return host.kv.set("k", a);
