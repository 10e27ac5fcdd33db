// attacks: the AsyncFunction constructor through an async function's
//   constructor
// ### runtime
const AsyncFunction = (async function () {}).constructor;
return typeof AsyncFunction("return 1");
