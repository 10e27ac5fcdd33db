// attacks: one console.log of 64 MiB
// ### limit "logs"|"memory" | runtime
// budget: memory=256MiB timeout=10s cpu=10s
// bound: 5s
console.log("x".repeat(2 ** 26));
