// Conformance: error kinds and positions. Positions are file positions
// (each chunk is compiled with blank lines in front of it).
// @name thrown error
throw new Error("boom")
// ### error runtime "boom" at "errors.js:4"
// ---
// @name error in a nested function
function inner() {
  throw new Error("deep")
}
function outer() {
  return inner()
}
outer()
// ### error runtime "deep" at "errors.js:9"
// ---
// @name error in a callback
const t = [3, 1, 2]
t.sort(function (a, b) {
  throw new Error("in comparator")
})
// ### error runtime "in comparator" at "errors.js:20"
// ---
// @name indexing null
const x = null
return x.y
// ### error runtime at "errors.js:26"
// ---
// @name calling an undefined function
notDefined(1)
// ### error runtime at "errors.js:30"
// ---
// @name caught errors do not end the run
let msg = ""
try {
  throw new Error("caught")
} catch (e) {
  msg = e.message
}
return msg
// ### ok "caught"
// ---
// @name rethrown error keeps its message
try {
  throw new Error("first")
} catch (e) {
  throw new Error("wrapped: " + e.message)
}
// ### error runtime "wrapped: first" at "errors.js:47"
// ---
// @name thrown string
throw "plain"
// ### error runtime "plain" at "errors.js:52"
// ---
// @name thrown object with a message
throw {message: "obj"}
// ### error runtime "obj" at "errors.js:56"
// ---
// @name compile error
const ok = 1
let x = ;
// ### compile "errors.js:61"
// ---
// @name unclosed block
function f() {
  return 1
// ### compile
// ---
// @name host error uncaught is a host error
host.t.refuse("not now")
// ### error host "t.refuse: not now" at "errors.js:70"
// ---
// @name argument error uncaught is a runtime error
host.t.typed(1)
// ### error runtime "t.typed: param s: want string, got int" at "errors.js:74"
// ---
// @name host errors are catchable
let n = 0
try { host.t.refuse("a") } catch (e) { n++ }
try { host.t.typed(1) } catch (e) { n++ }
try { host.t.boom() } catch (e) { n++ }
return n
// ### ok 3
// ---
// @name a value thrown after an await or a resume keeps its position
async function late() {
  await null
  throw {code: 1}
}
await late()
// ### error runtime "{\"code\":1}" at "errors.js:88"
// ---
// @name a host error after an await or a resume keeps its position
async function call() {
  await null
  host.t.refuse("no")
}
await call()
// ### error host "t.refuse" at "errors.js:96"
