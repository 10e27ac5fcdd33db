// attacks: String.prototype.repeat to 1 GiB
// ### runtime | limit "memory"
return "x".repeat(2 ** 30).length;
