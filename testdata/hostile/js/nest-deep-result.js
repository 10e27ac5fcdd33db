// attacks: a run whose result nests a million levels deep
// ### output | limit "output"
let a = [];
for (let i = 0; i < 1e6; i++) a = [a];
return a;
