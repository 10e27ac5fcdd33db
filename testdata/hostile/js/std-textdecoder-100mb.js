// attacks: TextDecoder.decode of 100 MB (a buffer over the memory budget, then decoding what fits, kept)
// ### limit "memory"
// budget: memory=256MiB timeout=3s
// bound: 6s
const b = new Uint8Array(100e6);
const keep = [];
for (let i = 0; i < 8; i++) keep.push(new TextDecoder().decode(b));
return keep.length;
