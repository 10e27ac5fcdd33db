// attacks: a tight loop inside a sort comparator, called from native sort
// ### limit "steps"|"timeout"|"cpu"
Array(1000).fill(0).map((_, i) => i).sort(() => { for (;;) {} });
