// attacks: Array.from of an array-like with 2**27 elements
// ### runtime | limit "memory" | limit "steps"|"timeout"|"cpu"
return Array.from({ length: 2 ** 27 }).length;
