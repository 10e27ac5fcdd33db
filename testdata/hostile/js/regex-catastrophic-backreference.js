// attacks: catastrophic backtracking with a backreference
// ### limit "steps"|"timeout"|"cpu"
return /^(a|aa)+\1(?!x)$/.test("a".repeat(60) + "b");
