// attacks: an array grown by push in a loop
// ### limit "memory"
// budget: steps=1000000000 timeout=3s cpu=3s
// bound: 5s
const a = [];
for (;;) a.push(1, 2, 3, 4, 5, 6, 7, 8);
