// attacks: catastrophic backtracking; the lookahead forces the backtracking
//   engine (never stops today)
// ### limit "steps"|"timeout"|"cpu"
return /^(a+)+(?=x)$/.test("a".repeat(40) + "b");
