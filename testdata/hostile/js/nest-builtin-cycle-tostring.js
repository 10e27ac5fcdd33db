// attacks: a nested array that contains itself, converted to a string
// ### limit "stackDepth" | runtime | ok ""
const a = [];
a.push(a);
return String([[a]]);
