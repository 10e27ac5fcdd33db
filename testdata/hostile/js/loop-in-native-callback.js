// attacks: a tight loop inside a callback called from a native (forEach)
// ### limit "steps"|"timeout"|"cpu"
[1, 2, 3].forEach(function () { for (;;) {} });
