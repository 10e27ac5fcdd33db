// attacks: sort of a sparse array of length 2**32-1
// ### limit "steps"|"timeout"|"cpu"|"memory" | runtime
return Array(2 ** 32 - 1).sort().length;
