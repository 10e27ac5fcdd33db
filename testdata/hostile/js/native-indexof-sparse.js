// attacks: indexOf on a sparse array of length 2**32-1
// ### limit "steps"|"timeout"|"cpu"
const a = Array(2 ** 32 - 1);
a[2 ** 32 - 2] = 1;
return a.indexOf(1);
