// attacks: valueOf that converts itself to a number, through native
//   arithmetic
// ### limit "stackDepth" | runtime
const o = { valueOf() { return +this; } };
return +o;
