// attacks: JSON.stringify of a wide array with a 10-space indent, repeated
//   into a growing string
// ### limit "memory" | runtime
// budget: steps=1000000000 timeout=3s cpu=3s
// bound: 5s
const big = Array(2 ** 20).fill(0);
let out = "";
for (;;) out += JSON.stringify(big, null, 10);
