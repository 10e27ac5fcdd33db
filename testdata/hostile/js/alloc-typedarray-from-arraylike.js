// attacks: a typed array built from an array-like claiming 2**32-1 elements
// ### runtime | limit "memory" | limit "steps"|"timeout"|"cpu"
return new Uint8Array({ length: 2 ** 32 - 1 }).length;
