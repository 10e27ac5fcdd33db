// attacks: a cyclic argument to an allowed host call
// ### runtime | limit "output"
// policy: allow-all.policy.yaml
const a = [];
a.push(a);
return host.kv.set("k", a);
