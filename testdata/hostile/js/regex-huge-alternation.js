// attacks: a 2 MiB alternation pattern with a backreference, compiled in a
//   loop: compiling must be bounded or charge steps (the budget is 1000)
// ### runtime | limit "steps"|"timeout"|"cpu"|"memory"
// budget: steps=1000 timeout=30s cpu=30s
// bound: 5s
const p = "w|".repeat(2 ** 20) + "v";
for (;;) new RegExp("(" + p + ")\\1").test("nothing");
