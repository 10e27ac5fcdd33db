// attacks: JSON.parse of a million nested arrays
// ### limit "stackDepth" | runtime | limit "memory"
return JSON.parse("[".repeat(1e6) + "]".repeat(1e6));
