// attacks: join of 2**28 holes with a 4-byte separator
// ### runtime | limit "memory"
return new Array(2 ** 28).join("abcd").length;
