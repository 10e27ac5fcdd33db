// attacks: freezes Object.prototype, Array.prototype, Function.prototype and
//   globalThis
// ### ok {"a":[1,2]}
for (const o of [Object.prototype, Array.prototype, Object.getPrototypeOf(function () {}), Promise.prototype, globalThis]) Object.freeze(o);
return { a: [1, 2] };
