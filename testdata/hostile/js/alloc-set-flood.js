// attacks: a Set flooded with strings
// ### limit "memory"
// budget: steps=1000000000 timeout=3s cpu=3s
// bound: 5s
const s = new Set();
for (let i = 0; ; i++) s.add("value-" + i);
