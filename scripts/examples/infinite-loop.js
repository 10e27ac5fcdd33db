// infinite-loop: a script that never ends. The step budget stops it (here
// 100000 steps, from infinite-loop.args; the default is 100000000), with exit
// code 3 and error kind "limit", limit "steps". The try/finally cannot keep
// it alive: the stop is not a JS exception, so neither catch nor finally
// runs.
//
//   scriptrun run --steps 100000 scripts/examples/infinite-loop.js

let n = 0;
try {
  while (true) {
    n++;
  }
} catch (e) {
  // not reached: a budget stop cannot be caught
} finally {
  while (true) {} // not reached either
}
return n;
