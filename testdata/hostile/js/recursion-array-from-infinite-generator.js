// attacks: Array.from over an infinite generator (an internal error today)
// ### limit "steps"|"timeout"|"cpu"|"memory" | runtime
return Array.from((function* () { for (;;) yield 1; })()).length;
