// attacks: a 4 MiB alternation pattern with a backreference, compiled in a
//   loop
// ### runtime | limit "steps"|"timeout"|"cpu"|"memory"
const p = Array.from({ length: 2 ** 18 }, (_, i) => "w" + i).join("|");
for (;;) new RegExp("(" + p + ")\\1").test("nothing");
