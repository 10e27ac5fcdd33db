// attacks: a Map flooded with entries
// ### limit "memory"
// budget: steps=1000000000 timeout=3s cpu=3s
// bound: 5s
const m = new Map();
for (let i = 0; ; i++) m.set(i, i);
