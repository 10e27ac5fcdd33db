// attacks: slices of a long non-ASCII string kept in an array (each slice is a
//   copy, 2 MB here; ASCII slices share their bytes)
// ### limit "memory"
// budget: steps=1000000000 timeout=3s cpu=3s
// bound: 5s
const s = "\u00e9".repeat(2 ** 20), t = " " + s + " ", kept = [];
for (let i = 1; ; i++) kept.push(s.slice(i % 7), s.substring(1), s.substr(2), t.trim());
