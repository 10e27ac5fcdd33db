// attacks: Object.getOwnPropertyNames of an 8 MB string
// ### limit "steps"|"timeout"|"cpu"|"memory" | runtime
return Object.getOwnPropertyNames("x".repeat(8e6)).length;
