// attacks: many 16 MiB typed arrays kept alive
// ### limit "memory"
// budget: steps=1000000000 timeout=3s cpu=3s
// bound: 5s
const keep = [];
for (;;) keep.push(new Uint8Array(2 ** 24));
