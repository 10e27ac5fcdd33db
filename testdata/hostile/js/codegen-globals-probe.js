// attacks: ambient capabilities a Node or browser runtime would have
// ### ok ["undefined","undefined","undefined","undefined","undefined","undefined","undefined","undefined"]
return [typeof require, typeof process, typeof module, typeof setTimeout, typeof eval,
  typeof Function, typeof WebAssembly, typeof fetch];
