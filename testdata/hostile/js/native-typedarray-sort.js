// attacks: native sort of a 2**24-element Float64Array: the sort must charge
//   steps (the budget is 1000)
// ### limit "steps"|"timeout"|"cpu"
// budget: steps=1000 memory=256MiB timeout=30s cpu=30s
// bound: 5s
const t = new Float64Array(2 ** 24);
for (let i = 0; i < 64; i++) t[i * 1000] = -i;
return t.sort().length;
