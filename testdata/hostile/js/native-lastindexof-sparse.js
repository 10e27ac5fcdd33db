// attacks: lastIndexOf on a sparse array of length 2**32-1 (runs 18 s+ today)
// ### limit "steps"|"timeout"|"cpu"
return Array(2 ** 32 - 1).lastIndexOf(1);
