// attacks: Uint8Array.prototype.toBase64 / toHex of a 48 MiB buffer, results kept
// ### limit "memory"
// bound: 4s
const b = new Uint8Array(48 << 20);
const keep = [];
for (let i = 0; i < 40; i++) keep.push(i % 2 ? b.toBase64() : b.toHex());
return keep.length;
