// attacks: Promise.all(Array(2**32-1).keys())
// ### limit "steps"|"timeout"|"cpu"|"memory" | runtime
return (await Promise.all(Array(2 ** 32 - 1).keys())).length;
