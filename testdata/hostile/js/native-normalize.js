// attacks: normalize of a 16M-character string of combining marks
// ### limit "steps"|"timeout"|"cpu"|"memory" | runtime
// budget: memory=256MiB
return "\u1E9B\u0323".repeat(2 ** 23).normalize("NFKC").length;
