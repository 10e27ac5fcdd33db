// attacks: a pattern of 200,000 nested groups built at run time
// ### runtime | limit "steps"|"timeout"|"cpu"
return new RegExp("(".repeat(2e5) + "a" + ")".repeat(2e5)).test("a");
