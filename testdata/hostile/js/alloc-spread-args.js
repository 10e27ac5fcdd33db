// attacks: spreading 2**25 holes into a call's arguments
// ### runtime | limit "memory" | limit "steps"|"timeout"|"cpu"
return Math.max(...new Array(2 ** 25));
