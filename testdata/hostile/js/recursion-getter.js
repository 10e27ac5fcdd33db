// attacks: a getter that reads itself
// ### limit "stackDepth" | runtime
const o = { get x() { return this.x; } };
return o.x;
