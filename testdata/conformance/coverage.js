// Conformance: line coverage (RunOptions.Coverage). A line of code that
// ends with the comment "ran" must run; every other line must not. A line
// that only closes a block never counts; a function declaration's line
// counts when a statement on it runs (JS hoists declarations, so an
// uncalled function's first line does not run; Lua's `local function`
// statement runs where it stands).
// @name branches, loops and a function never called
// @input 1
let x = input // ran
if (x > 1) { // ran
  x = 2
} else {
  x = 3 // ran
}
function never() {
  return 4
}
for (let i = 0; i < 2; i++) { // ran
  x += i // ran
}
return x // ran
// ### ok 4
// ### covered
// ---
// @name an error keeps the lines that ran before it
let n = 0 // ran
function boom() {
  n++ // ran
  throw new Error("boom") // ran
}
boom() // ran
n = 2
// ### error runtime "boom"
// ### covered
// ---
// @name callbacks, coroutines, awaits and caught errors
const out = [1, 2].map(function (v) { // ran
  return v * 2 // ran
})
function* gen() {
  yield 1 // ran
  yield 2
}
gen().next() // ran
try { // ran
  JSON.parse("{") // ran
} catch (e) {
  out.push(0) // ran
}
await null // ran
return out // ran
// ### ok [2, 4, 0]
// ### covered
