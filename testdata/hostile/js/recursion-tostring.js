// attacks: toString that converts itself to a string, through the native
//   String()
// ### limit "stackDepth" | runtime
const o = { toString() { return String(this); } };
return String(o);
