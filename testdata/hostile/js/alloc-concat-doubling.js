// attacks: concat doubling an array
// ### limit "memory"
// budget: steps=1000000000 timeout=3s cpu=3s
// bound: 5s
let a = [1, 2, 3, 4];
for (;;) a = a.concat(a);
