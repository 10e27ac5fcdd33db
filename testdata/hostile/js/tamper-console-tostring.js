// attacks: console.log of an object whose toString loops
// ### limit "steps"|"timeout"|"cpu" | ok 1
console.log({ toString() { for (;;) {} } });
return 1;
