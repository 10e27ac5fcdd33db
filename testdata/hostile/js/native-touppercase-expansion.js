// attacks: upper-casing makes U+FB03 (ffi) three characters: 16M of them
//   become 48M, allocated in one call that charged nothing (the budget is 64 MiB)
// ### limit "memory" | runtime
// budget: timeout=10s cpu=10s
// bound: 12s
return "\ufb03".repeat(2 ** 24).toUpperCase().length;
