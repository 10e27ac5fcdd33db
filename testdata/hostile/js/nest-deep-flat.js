// attacks: flat(Infinity) over a million nested arrays
// ### limit "stackDepth" | runtime
let a = [1];
for (let i = 0; i < 1e6; i++) a = [a];
return a.flat(Infinity).length;
