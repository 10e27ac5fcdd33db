// attacks: a WeakMap flooded with entries whose keys stay alive
// ### limit "memory"
// budget: steps=1000000000 timeout=3s cpu=3s
// bound: 5s
const m = new WeakMap(), keys = [];
for (let i = 0; ; i++) { const k = {}; keys.push(k); m.set(k, i); }
