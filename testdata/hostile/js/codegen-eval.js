// attacks: eval, directly and indirectly
// ### runtime
return (0, globalThis["ev" + "al"])("1 + 1");
