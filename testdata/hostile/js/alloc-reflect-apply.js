// attacks: Reflect.apply with an array-like of length 2**31
// ### runtime | limit "memory" | limit "steps"|"timeout"|"cpu"
return Reflect.apply(Math.max, null, { length: 2 ** 31 });
