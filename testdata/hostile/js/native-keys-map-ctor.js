// attacks: new Map over an iterator of 2**32-1 entries
// ### limit "steps"|"timeout"|"cpu"|"memory" | runtime
return new Map(Array(2 ** 32 - 1).entries()).size;
