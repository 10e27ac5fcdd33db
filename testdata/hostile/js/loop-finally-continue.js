// attacks: a tight loop whose finally restarts the outer loop, so a stop
//   thrown as an exception would be swallowed
// ### limit "steps"|"timeout"|"cpu"
outer: for (;;) {
  try {
    for (;;) {}
  } finally {
    continue outer;
  }
}
