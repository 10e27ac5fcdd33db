// attacks: grows and rewrites its own input
// ### ok [1,2,3,"x"]
// input: {"a": [1, 2]}
input.a.push(3);
input.a.length = 2 ** 20;
input.a.length = 3;
input.a[3] = "x";
return input.a;
