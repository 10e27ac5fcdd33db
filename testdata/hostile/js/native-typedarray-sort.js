// attacks: native sort of a 2**24-element Float64Array
// ### limit "steps"|"timeout"|"cpu"|"memory" | runtime | ok 16777216
const t = new Float64Array(2 ** 24);
for (let i = 0; i < 64; i++) t[i * 1000] = -i;
return t.sort().length;
