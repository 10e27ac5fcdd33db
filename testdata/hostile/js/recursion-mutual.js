// attacks: unbounded mutual recursion
// ### limit "stackDepth" | runtime
function a() { return b() + 1; }
function b() { return a() + 1; }
a();
