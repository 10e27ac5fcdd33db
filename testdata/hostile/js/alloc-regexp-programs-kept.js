// attacks: compiled regular expressions (16 MB of program each) kept in an array
// ### limit "memory"
// budget: steps=1000000000 timeout=3s cpu=3s
// bound: 5s
const kept = [], p = "[a-z]{1000}".repeat(64);
for (let i = 0; ; i++) kept.push(new RegExp(p + i));
