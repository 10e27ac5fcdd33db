// attacks: every constructor property on the prototype chains of every
//   function kind and of host functions, called with source text
// ### ok []
const seen = new Set(), worked = [];
const starts = [function () {}, () => 1, async function () {}, function* () {}, async () => 1,
  class {}, Math.max, host.kv.get, console.log, Object.getPrototypeOf(function () {})];
try { starts.push(eval("async function* (){}")); } catch (e) {}
for (const s of starts) {
  for (let o = s; o != null; o = Object.getPrototypeOf(o)) {
    let c;
    try { c = o.constructor; } catch (e) { continue; }
    if (typeof c !== "function" || seen.has(c)) continue;
    seen.add(c);
    try {
      const f = c("return 7");
      if (typeof f === "function") worked.push(String(c).slice(0, 40));
    } catch (e) {}
    try {
      const f = Reflect.construct(c, ["return 7"]);
      if (typeof f === "function") worked.push("new " + String(c).slice(0, 40));
    } catch (e) {}
  }
}
return worked;
