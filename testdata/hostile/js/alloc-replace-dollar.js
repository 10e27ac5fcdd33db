// attacks: replace with a $& replacement that multiplies a 1 MiB string by 16
// ### limit "memory" | runtime
// budget: steps=1000000000 timeout=3s cpu=3s
// bound: 5s
let s = "x".repeat(2 ** 20);
for (;;) s = s.replace(/x/g, "$&$&$&$&$&$&$&$&$&$&$&$&$&$&$&$&");
