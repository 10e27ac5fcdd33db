// attacks: replaces JSON.stringify, Promise.prototype.then and Object.keys:
//   the host must not rely on them
// ### ok {"a":1}
JSON.stringify = JSON.parse = Object.keys = Object.entries = () => { for (;;) {} };
Promise.prototype.then = function () { for (;;) {} };
return { a: 1 };
