// attacks: a thrown Proxy whose every trap loops
// ### limit "steps"|"timeout"|"cpu" | runtime
throw new Proxy({}, { get() { for (;;) {} }, getPrototypeOf() { for (;;) {} }, has() { for (;;) {} } });
