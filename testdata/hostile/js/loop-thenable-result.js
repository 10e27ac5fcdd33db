// attacks: returns a thenable whose then() loops: settling the result runs
//   script code
// ### limit "steps"|"timeout"|"cpu"
return { then(resolve) { for (;;) {} } };
