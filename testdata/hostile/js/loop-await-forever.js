// attacks: top-level await in an endless loop: each turn is a promise job
// ### limit "steps"|"timeout"|"cpu"
for (;;) { await null; }
