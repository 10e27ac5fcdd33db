// attacks: a sparse array flooded with far-apart items (it never turns dense)
// ### limit "memory"
// budget: steps=1000000000 timeout=3s cpu=3s
// bound: 5s
const a = [];
a[4e9] = 0;
for (let i = 0; ; i++) a[i * 1000] = i;
