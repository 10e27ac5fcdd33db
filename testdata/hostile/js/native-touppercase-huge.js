// attacks: toUpperCase of a 16M-character string (over half a second in one call unless it
//   polls): it must charge steps as it goes (the repeat takes 16.8M of the 20M steps)
// ### limit "steps"|"timeout"|"cpu"|"memory"
// budget: steps=20000000 memory=1GiB timeout=30s cpu=30s
// bound: 3s
const a = "\u00e9".repeat(2 ** 24);
return a.toUpperCase().length;
