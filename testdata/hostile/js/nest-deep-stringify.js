// attacks: JSON.stringify of 200,000 nested objects
// ### limit "stackDepth" | runtime
// process: limit "memory"
// budget: timeout=10s cpu=3s
// bound: 10s
let o = {};
for (let i = 0; i < 2e5; i++) o = { o };
return JSON.stringify(o).length;
