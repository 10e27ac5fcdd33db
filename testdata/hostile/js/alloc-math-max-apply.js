// attacks: Math.max.apply with an array-like of length 2**32-1 (Go fatal out
//   of memory today)
// ### runtime | limit "memory" | limit "steps"|"timeout"|"cpu"
return Math.max.apply(null, { length: 2 ** 32 - 1 });
