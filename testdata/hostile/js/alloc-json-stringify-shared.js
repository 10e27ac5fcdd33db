// attacks: JSON.stringify of 40 levels of arrays sharing one reference: 2**40
//   output from a tiny graph
// ### limit "steps"|"timeout"|"cpu"|"memory" | runtime
let a = [1];
for (let i = 0; i < 40; i++) a = [a, a];
return JSON.stringify(a).length;
