// attacks: a Float64Array of 2**31 elements (16 GiB)
// ### runtime | limit "memory"
return new Float64Array(2 ** 31).length;
