// attacks: a 21 KB pattern of counted repeats that RE2 expands into 3M
//   instructions (2 s and 735 MB in one call unpatched), compiled in a loop:
//   it must run on regexp2 instead and stop at the wall budget
// ### limit "timeout"|"cpu"|"steps"|"memory"
// budget: timeout=1s cpu=1s
// bound: 2500ms
const p = "a{1000}".repeat(3000);
for (let i = 0; ; i++) new RegExp(p + i).test("b");
