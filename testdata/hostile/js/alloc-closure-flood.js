// attacks: closures kept in an array
// ### limit "memory"
// budget: steps=1000000000 timeout=3s cpu=3s
// bound: 5s
const fs = [];
for (let i = 0; ; i++) fs.push(() => i);
