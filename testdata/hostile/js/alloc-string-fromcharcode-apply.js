// attacks: String.fromCharCode.apply with a 2**26-element array-like
// ### runtime | limit "memory" | limit "steps"|"timeout"|"cpu"
return String.fromCharCode.apply(null, { length: 2 ** 26 }).length;
