// attacks: split of a 16 MiB string into 16M one-character strings
// ### runtime | limit "memory"
// budget: steps=1000000000 timeout=3s cpu=3s
// bound: 5s
return "x".repeat(2 ** 24).split("").length;
