// attacks: one ArrayBuffer of 2**40 bytes (Go fatal out of memory today)
// ### runtime | limit "memory"
return new ArrayBuffer(2 ** 40).byteLength;
