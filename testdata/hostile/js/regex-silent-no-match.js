// attacks: a regex that cannot finish: a stop must be an error, never a
//   silent "no match"
// ### limit "steps"|"timeout"|"cpu"
const r = /^(\w+\s?)*(?=z)$/;
let misses = 0;
for (;;) { if (!r.test("an ordinary sentence that ends badly!")) misses++; }
