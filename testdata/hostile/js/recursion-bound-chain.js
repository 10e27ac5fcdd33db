// attacks: a function bound a million times: calling it recurses in Go once
//   per bind
// ### limit "stackDepth"|"steps"|"timeout"|"cpu"|"memory" | runtime | ok 1
// budget: timeout=10s cpu=3s
// bound: 10s
let f = function () { return 1; };
for (let i = 0; i < 1e6; i++) f = f.bind(null);
return f();
