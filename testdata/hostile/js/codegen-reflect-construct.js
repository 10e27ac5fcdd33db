// attacks: the Function constructor reached through Reflect.construct and a
//   prototype
// ### runtime
return Reflect.construct(Object.getPrototypeOf(function () {}).constructor, ["return 1"])();
