// attacks: an object flooded with symbol-keyed properties
// ### limit "memory"
// budget: steps=1000000000 timeout=3s cpu=3s
// bound: 5s
const o = {};
for (;;) o[Symbol()] = 1;
