// attacks: library objects kept alive by the library's own bookkeeping, made in a loop
// ### limit "memory"|"steps"|"timeout"|"cpu"
for (;;) { new TextEncoder(); new URLSearchParams(); }
