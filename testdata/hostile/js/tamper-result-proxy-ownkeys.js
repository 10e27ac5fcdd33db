// attacks: a result Proxy whose ownKeys trap loops
// ### limit "steps"|"timeout"|"cpu" | output
return new Proxy({}, { ownKeys() { for (;;) {} } });
