// attacks: a thrown Error whose message and stack getters loop
// ### limit "steps"|"timeout"|"cpu" | runtime
const e = new Error("x");
Object.defineProperty(e, "message", { get() { for (;;) {} } });
Object.defineProperty(e, "stack", { get() { for (;;) {} } });
throw e;
