// attacks: unbounded plain recursion
// ### limit "stackDepth" | runtime
function f() { return f() + 1; }
f();
