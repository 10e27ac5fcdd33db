// attacks: Object.assign from an 8 MB string
// ### limit "steps"|"timeout"|"cpu"|"memory" | runtime
return Object.keys(Object.assign({}, "x".repeat(8e6))).length;
