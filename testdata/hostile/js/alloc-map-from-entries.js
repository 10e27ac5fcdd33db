// attacks: Maps built from a long entry list in one native call each, kept
// ### limit "memory"
// budget: steps=1000000000 timeout=3s cpu=3s
// bound: 5s
const entries = [];
for (let i = 0; i < 100000; i++) entries.push([i, i]);
const kept = [];
for (;;) kept.push(new Map(entries), Object.fromEntries(entries));
