// attacks: an async function whose finally awaits and loops again after the
//   stop
// ### limit "steps"|"timeout"|"cpu"
async function f() {
  for (;;) {
    try { for (;;) {} } finally { await null; continue; }
  }
}
await f();
