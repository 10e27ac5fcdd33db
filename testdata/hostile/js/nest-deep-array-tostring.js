// attacks: String() of 200,000 nested arrays
// ### limit "stackDepth" | runtime
// budget: timeout=3s cpu=3s
// bound: 5s
let a = [];
for (let i = 0; i < 2e5; i++) a = [a];
return String(a);
