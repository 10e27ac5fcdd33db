// attacks: a Symbol.species constructor that loops, called from native map
// ### limit "steps"|"timeout"|"cpu"
class A extends Array { static get [Symbol.species]() { return function () { for (;;) {} }; } }
return new A(1, 2).map((x) => x);
