// attacks: a tight loop inside try/catch inside a loop: a catchable stop
//   would be retried forever
// ### limit "steps"|"timeout"|"cpu"
for (;;) {
  try { for (;;) {} } catch (e) {}
}
