// attacks: flat over 2**20 references to one 2**10 array (2**30 elements)
// ### runtime | limit "memory" | limit "steps"|"timeout"|"cpu"
// budget: steps=1000000000 timeout=3s cpu=3s
// bound: 5s
return Array(2 ** 20).fill(Array(2 ** 10).fill(0)).flat().length;
