// attacks: atob of a 96 MiB base64 string, kept (the decode and its result charged, not free)
// ### limit "memory"
const s = "QUJD".repeat(24 << 20);
const keep = [];
for (let i = 0; i < 8; i++) keep.push(atob(s));
return keep.length;
