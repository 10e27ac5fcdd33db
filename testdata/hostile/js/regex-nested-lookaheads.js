// attacks: a pattern of 20,000 nested lookaheads built at run time (96 s to
//   compile today)
// ### runtime | limit "steps"|"timeout"|"cpu"
return new RegExp("(?=".repeat(1e5) + "a" + ")".repeat(1e5)).test("a");
