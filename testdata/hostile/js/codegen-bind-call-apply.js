// attacks: the Function constructor reached with bind/call/apply on
//   Function.prototype.constructor
// ### ok []
const F = Object.getPrototypeOf(function () {}).constructor, worked = [];
for (const attempt of [() => F.bind(null, "return 1")(), () => F.call(null, "return 1"), () => F.apply(null, ["return 1"]),
  () => Reflect.apply(F, null, ["return 1"]), () => new (F.bind(null, "return 1"))()]) {
  try { if (typeof attempt() === "function") worked.push(String(attempt)); } catch (e) {}
}
return worked;
