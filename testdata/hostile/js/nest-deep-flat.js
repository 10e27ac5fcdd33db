// attacks: flat(Infinity) over 200,000 nested arrays
// ### limit "stackDepth" | runtime
// process: limit "memory"
// budget: timeout=10s cpu=3s
// bound: 10s
let a = [1];
for (let i = 0; i < 2e5; i++) a = [a];
return a.flat(Infinity).length;
