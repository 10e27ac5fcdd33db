// attacks: empty objects kept in an array (each costs the heap ~200 bytes, the array 16)
// ### limit "memory"
// budget: steps=1000000000 timeout=3s cpu=3s
// bound: 5s
const a = [];
for (;;) a.push({}, {}, {}, {});
