// attacks: spreading matchAll over a 16M-character string
// ### limit "steps"|"timeout"|"cpu"|"memory" | runtime
return [..."a".repeat(2 ** 24).matchAll(/a/g)].length;
