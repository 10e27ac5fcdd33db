// attacks: returns a thenable whose then() loops: settling the result runs
//   script code (or the thenable is refused as a result)
// ### limit "steps"|"timeout"|"cpu" | output
return { then(resolve) { for (;;) {} } };
