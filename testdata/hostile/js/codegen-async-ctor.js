// attacks: the AsyncFunction constructor through an async function's
//   constructor
// ### runtime
return await (async function () {}).constructor("return 1")();
