// Conformance: every budget ends the run with a limit error naming it, and
// the script cannot catch it.
// @name steps
// @budget steps=10000
while (true) {}
// ### limit "steps"
// ---
// @name steps cannot be caught
// @budget steps=10000
try {
  while (true) {}
} catch (e) {
  return "caught"
} finally {
  return "finally"
}
// ### limit "steps"
// ---
// @name steps within the budget
// @budget steps=100000
let s = 0
for (let i = 1; i <= 1000; i++) s += i
return s
// ### ok 500500
// ---
// @name stackDepth
// @budget stackDepth=200
function f(n) { return f(n + 1) + 1 }
return f(0)
// ### limit "stackDepth"
// ---
// @name stackDepth cannot be caught
// @budget stackDepth=200
function f(n) {
  try {
    return f(n + 1) + 1
  } catch (e) {
    return 0
  }
}
return f(0)
// ### limit "stackDepth"
// ---
// @name stackDepth within the budget
// @budget stackDepth=200
function f(n) { return n === 0 ? 0 : f(n - 1) + 1 }
return f(50)
// ### ok 50
// ---
// @name hostCalls
// @budget hostCalls=5
for (let i = 0; i < 10; i++) {
  try { host.t.echo(i) } catch (e) {}
}
return "done"
// ### limit "hostCalls"
// ---
// @name hostCalls within the budget
// @budget hostCalls=5
let s = 0
for (let i = 1; i <= 5; i++) s += host.t.echo(i)
return s
// ### ok 15
// ---
// @name output
// @budget output=100
return "x".repeat(200)
// ### limit "output"
// ---
// @name output within the budget
// @budget output=100
return "x".repeat(50)
// ### ok "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
// ---
// @name logs within the budget
console.log("first")
console.log("second")
return 1
// ### ok 1
// ### logs ["first", "second"]
// ---
// @name logs
// @budget logs=100
try {
  for (;;) console.log("spam")
} catch (e) {}
return "done"
// ### limit "logs"
// ---
// @name timeout
// @budget timeout=100ms steps=1000000000000 cpu=10s
while (true) {}
// ### limit "timeout"
// ---
// @name memory
// @budget memory=50000000
const s = "x".repeat(100000000)
return s.length
// ### limit "memory"
// ---
// @name source
// @budget source=100
// This chunk is longer than 100 bytes, so it does not even compile.
return 1
// ### limit "source"
// ---
// @name policy limits are ceilings
// @policy ceiling
// @budget steps=1000000000
while (true) {}
// ### limit "steps"
