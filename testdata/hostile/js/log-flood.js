// attacks: console.log in a loop
// ### limit "logs"
for (;;) console.log("x".repeat(1000));
