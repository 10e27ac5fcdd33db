// attacks: copyWithin on a sparse array of length 2**32-1
// ### limit "steps"|"timeout"|"cpu"|"memory" | runtime
return Array(2 ** 32 - 1).copyWithin(0, 1).length;
