// attacks: regexp captures of a long non-ASCII string kept in an array (each
//   capture is a copy of 2 MB)
// ### limit "memory"
// budget: steps=1000000000 timeout=3s cpu=3s
// bound: 5s
const s = "\u00e9".repeat(2 ** 20), kept = [], re = /(.*)/s;
for (;;) kept.push(re.exec(s)[1], s.match(/(.+)/s)[1]);
