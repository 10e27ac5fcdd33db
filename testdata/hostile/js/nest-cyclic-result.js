// attacks: a run whose result contains itself
// ### output | limit "output"
const o = {};
o.self = o;
return o;
