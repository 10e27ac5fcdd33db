// attacks: catastrophic backtracking inside replace with a callback
// ### limit "steps"|"timeout"|"cpu"
return ("a".repeat(35) + "!").replace(/(a*)*(?=b)\1/g, () => "y");
