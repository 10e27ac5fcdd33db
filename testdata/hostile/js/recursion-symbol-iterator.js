// attacks: a Symbol.iterator that spreads itself
// ### limit "stackDepth" | runtime
const o = { [Symbol.iterator]() { return [...o][Symbol.iterator](); } };
return [...o];
