// attacks: reverse of a sparse array of length 2**32-1
// ### limit "steps"|"timeout"|"cpu"
return Array(2 ** 32 - 1).reverse().length;
