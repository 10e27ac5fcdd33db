// attacks: URLSearchParams appends and toString in a loop
// ### limit "memory"|"steps"|"timeout"|"cpu"
const p = new URLSearchParams();
const v = "x".repeat(1 << 16);
for (;;) { p.append(v, v); if (p.size % 64 == 0) p.toString(); }
