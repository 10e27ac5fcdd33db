// attacks: normalize of a 64M-character string of combining marks: it must
//   charge steps (the budget is 1000)
// ### limit "steps"|"timeout"|"cpu"|"memory" | runtime
// budget: steps=1000 memory=1GiB timeout=30s cpu=30s
// bound: 5s
return "\u1E9B\u0323".repeat(2 ** 25).normalize("NFKC").length;
