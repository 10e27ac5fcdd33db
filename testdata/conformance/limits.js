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
// @name steps in a callback
// @budget steps=10000
;[3, 1, 2].sort(function (a, b) {
  for (;;) {}
})
// ### limit "steps"
// ---
// @name steps in a generator
// @budget steps=10000
function* g() { for (;;) yield 1 }
for (const x of g()) {}
// ### limit "steps"
// ---
// @name stackDepth through a built-in callback
// @budget stackDepth=200
function f() { return [2, 1].sort(function () { return f() }) }
f()
// ### limit "stackDepth"
// ---
// @name output exactly at the budget
// @budget output=100
return "x".repeat(98)
// ### ok "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
// ---
// @name output one byte over
// @budget output=100
return "x".repeat(99)
// ### limit "output"
// ---
// @name logs exactly at the budget
// @budget logs=20
console.log("123456789")
console.log("123456789")
return 1
// ### ok 1
// ### logs ["123456789", "123456789"]
// ---
// @name logs one byte over
// @budget logs=20
console.log("123456789")
console.log("1234567890")
return 1
// ### limit "logs"
// ---
// @name cpu
// @budget cpu=50ms timeout=10s steps=1000000000000
while (true) {}
// ### limit "cpu"
// ---
// @name memory
// @budget memory=50000000
const s = "x".repeat(100000000)
return s.length
// ### limit "memory"
// ---
// @name memory through join
// @budget memory=50000000
const parts = new Array(10000).fill("x".repeat(10000))
return parts.join("").length
// ### limit "memory"
// ---
// @name memory through replace
// @budget memory=50000000 timeout=30s cpu=30s
return "x".repeat(10000).replace(/x/g, "y".repeat(10000)).length
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
