// attacks: one ArrayBuffer of 1 GiB under a 64 MiB budget
// ### runtime | limit "memory"
return new ArrayBuffer(2 ** 30).byteLength;
