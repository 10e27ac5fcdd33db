// attacks: an object flooded with properties through Object.defineProperty
// ### limit "memory"
// budget: steps=1000000000 timeout=3s cpu=3s
// bound: 5s
const o = {};
for (let i = 0; ; i++) Object.defineProperty(o, "p" + i, { value: i, enumerable: true });
