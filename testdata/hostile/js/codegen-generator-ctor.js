// attacks: the GeneratorFunction constructor
// ### runtime
return (function* () {}).constructor("yield 1")().next().value;
