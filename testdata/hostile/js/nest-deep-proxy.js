// attacks: a chain of a million proxies, each forwarding get to the next
// ### limit "stackDepth" | runtime
// budget: timeout=10s cpu=3s
// bound: 10s
let p = {};
for (let i = 0; i < 1e6; i++) p = new Proxy(p, {});
return p.x;
