// attacks: split pieces of a long non-ASCII string kept in an array (each
//   piece is a copy)
// ### limit "memory"
// budget: steps=1000000000 timeout=3s cpu=3s
// bound: 5s
const s = ("\u00e9".repeat(2 ** 18) + "|").repeat(4), kept = [];
for (;;) kept.push(s.split("|"));
