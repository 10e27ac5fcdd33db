// attacks: localeCompare and toUpperCase on two 32M-character strings, repeated
//   (localeCompare refuses strings over 64Ki characters: a RangeError)
// ### limit "steps"|"timeout"|"cpu"|"memory" | runtime
// budget: memory=1GiB
const a = "\u00e9".repeat(2 ** 25), b = a + "x";
let n = 0;
for (;;) n += a.localeCompare(b) + a.toUpperCase().length;
