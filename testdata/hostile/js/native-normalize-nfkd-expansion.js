// attacks: NFKD makes U+FDFA 18 characters: 8M of them become 151M, past the
//   string length cap, allocated in one call that charged nothing
// ### limit "memory" | runtime
// budget: timeout=10s cpu=10s
// bound: 12s
return "\ufdfa".repeat(2 ** 23).normalize("NFKD").length;
