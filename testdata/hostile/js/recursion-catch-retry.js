// attacks: recursion that catches the depth error and recurses again, twice
//   per level: exponential
// ### limit "stackDepth"|"steps"|"timeout"|"cpu" | runtime
function f() {
  try { f(); } catch (e) { f(); }
}
f();
