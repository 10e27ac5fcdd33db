// attacks: Array.from(Array(2**32-1).keys())
// ### limit "steps"|"timeout"|"cpu"|"memory" | runtime
return Array.from(Array(2 ** 32 - 1).keys()).length;
