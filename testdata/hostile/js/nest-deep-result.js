// attacks: a run whose result nests 200,000 levels deep
// ### output | limit "output"
// budget: timeout=3s cpu=3s
// bound: 5s
let a = [];
for (let i = 0; i < 2e5; i++) a = [a];
return a;
