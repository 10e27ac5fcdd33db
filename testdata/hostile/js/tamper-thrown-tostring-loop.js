// attacks: a thrown object whose toString loops: the host converts the error
//   after the run
// ### limit "steps"|"timeout"|"cpu" | runtime
throw { toString() { for (;;) {} } };
