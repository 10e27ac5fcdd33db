// attacks: fill of a 2**27-element array
// ### runtime | limit "memory"
return new Array(2 ** 27).fill(0).length;
