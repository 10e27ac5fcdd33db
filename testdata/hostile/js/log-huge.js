// attacks: one console.log of 64 MiB
// ### limit "logs"|"memory" | runtime
// budget: memory=256MiB
console.log("x".repeat(2 ** 26));
