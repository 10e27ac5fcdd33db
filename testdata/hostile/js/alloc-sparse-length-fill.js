// attacks: fill of an array whose length was set to 2**32-1
// ### limit "steps"|"timeout"|"cpu"|"memory" | runtime
const a = [];
a.length = 2 ** 32 - 1;
a.fill(0);
return a.length;
