// attacks: URL with a 1 MiB host, in a loop (refused before the string is converted)
// ### ok 2000
const u = "https://" + "a".repeat(1 << 20) + ".example/";
let n = 0;
for (let i = 0; i < 2000; i++) {
  try { new URL(u); } catch (e) { if (e instanceof TypeError && e.message.includes("longer than")) n++; }
}
return n;
