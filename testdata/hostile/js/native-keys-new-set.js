// attacks: new Set(Array(2**32-1).keys())
// ### limit "steps"|"timeout"|"cpu"|"memory" | runtime
return new Set(Array(2 ** 32 - 1).keys()).size;
