// attacks: a result with a getter that loops: exporting the result runs
//   script code
// ### limit "steps"|"timeout"|"cpu" | output
return { get x() { for (;;) {} } };
