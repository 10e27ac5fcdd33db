// attacks: Object.entries of an 8 MB string (tens of seconds today)
// ### limit "steps"|"timeout"|"cpu"|"memory" | runtime
return Object.entries("x".repeat(8e6)).length;
