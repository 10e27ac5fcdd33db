// attacks: Error objects made deep in the stack and kept (each holds a trace of every frame)
// ### limit "memory"
// budget: steps=1000000000 timeout=3s cpu=3s
// bound: 5s
const kept = [];
function deep(n) {
  if (n > 0) return deep(n - 1);
  for (;;) kept.push(new Error("x"));
}
deep(900);
