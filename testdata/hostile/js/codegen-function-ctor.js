// attacks: the Function constructor through a function's constructor property
// ### runtime
return (function () {}).constructor("return 1")();
