// attacks: a thrown error whose message is 128 MiB
// ### runtime | limit "memory"
throw new Error("x".repeat(2 ** 27));
