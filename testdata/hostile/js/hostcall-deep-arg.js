// attacks: an argument nested a million levels deep
// ### runtime | limit "output"
// policy: allow-all.policy.yaml
let a = [];
for (let i = 0; i < 1e6; i++) a = [a];
return host.kv.set("k", a);
