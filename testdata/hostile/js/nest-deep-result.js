// attacks: a run whose result nests 200,000 levels deep
// ### output | limit "output"
// process: limit "memory"
// budget: timeout=10s cpu=3s
// bound: 10s
let a = [];
for (let i = 0; i < 2e5; i++) a = [a];
return a;
