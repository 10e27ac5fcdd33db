// attacks: catastrophic backtracking inside split
// ### limit "steps"|"timeout"|"cpu"
return ("a".repeat(35) + "!").split(/(a+)+(?=b)/).length;
