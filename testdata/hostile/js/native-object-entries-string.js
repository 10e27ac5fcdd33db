// attacks: Object.entries of an 8 MB string (tens of seconds today): it must
//   charge steps (the budget is 1000)
// ### limit "steps"|"timeout"|"cpu"|"memory" | runtime
// budget: steps=1000 timeout=30s cpu=30s
// bound: 5s
return Object.entries("x".repeat(8e6)).length;
