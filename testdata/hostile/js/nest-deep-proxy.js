// attacks: a chain of a million proxies, each forwarding get to the next
// ### limit "stackDepth" | runtime
// budget: timeout=3s cpu=3s
// bound: 5s
let p = {};
for (let i = 0; i < 1e6; i++) p = new Proxy(p, {});
return p.x;
