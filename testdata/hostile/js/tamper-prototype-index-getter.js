// attacks: a getter on Array.prototype[0] read when a hole in the result is
//   exported
// ### limit "steps"|"timeout"|"cpu" | output | ok [null,1]
Object.defineProperty(Array.prototype, 0, { get() { for (;;) {} } });
return [, 1];
