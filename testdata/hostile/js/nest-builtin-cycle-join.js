// attacks: Array.prototype.join wired to toString: String([]) becomes a
//   native cycle
// ### limit "stackDepth" | runtime | ok ""
Array.prototype.join = Array.prototype.toString;
return String([]);
