// attacks: an array grown by index assignment in a loop
// ### limit "memory"
// budget: steps=1000000000 timeout=3s cpu=3s
// bound: 5s
const a = [];
for (let i = 0; ; i++) a[i] = i;
